// SPDX-License-Identifier: MIT
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ErrorCode, LangevinError } from '../lib/errors.js';
import { writeNpy } from '../lib/io/npy.js';
import { loadProblem, parseGmmProblem } from '../lib/problem/index.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The example of the README's "Problem file" section. */
const example = (): Json => ({
  prior: {
    type: 'gmm',
    weights: [0.3, 0.7],
    means: [[0, 0], [2, 1]],
    covariance: { type: 'isotropic', variances: [0.1, 0.2] },
  },
  likelihood: {
    operator: { type: 'dense', matrix: [[1, 0.5]] },
    y: [1.2],
    noiseStd: 0.1,
  },
});

const gaussian = (covariance: Json, mean: Json = [1, 2]): Json => ({ prior: { type: 'gaussian', mean, covariance } });

/** The example with a full-covariance prior: exercises the symmetry and Cholesky checks. */
const fullExample = (): Json => {
  const p = example();
  p.prior.covariance = { type: 'full', matrices: [[[1, 0.2], [0.2, 2]], [[0.5, 0], [0, 0.5]]] };
  return p;
};

function withTempDir(fn: (t: ExecutionContext, dir: string) => Promise<void> | void): (t: ExecutionContext) => Promise<void> {
  return async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'langevin-problem-'));
    try {
      await fn(t, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('the README problem-file example parses to normalised arrays', (t) => {
  const p = parseGmmProblem(example());
  t.deepEqual(p.prior, {
    kind: 'isotropic',
    dim: 2,
    components: 2,
    weights: Float64Array.of(0.3, 0.7),
    means: Float64Array.of(0, 0, 2, 1),
    cov: Float64Array.of(0.1, 0.2),
  });
  t.deepEqual(p.likelihood, {
    operator: { type: 'dense', rows: 1, cols: 2, matrix: Float64Array.of(1, 0.5) },
    y: Float64Array.of(1.2),
    noiseStd: 0.1,
  });
});

test('weights are normalised to sum 1, without overflow for huge weights', (t) => {
  const p = example();
  p.prior.weights = [3, 7];
  t.deepEqual(Array.from(parseGmmProblem(p).prior.weights), [0.3, 0.7]);
  p.prior.weights = [1e308, 1e308];
  t.deepEqual(Array.from(parseGmmProblem(p).prior.weights), [0.5, 0.5]);
});

test('a problem without likelihood is the prior alone', (t) => {
  const p = example();
  delete p.likelihood;
  const out = parseGmmProblem(p);
  t.is(out.likelihood, undefined);
  t.false('likelihood' in out);
});

test('gaussian priors become one-component mixtures, for each covariance kind', (t) => {
  const iso = parseGmmProblem(gaussian({ type: 'isotropic', variances: [0.5] })).prior;
  t.deepEqual(iso, { kind: 'isotropic', dim: 2, components: 1, weights: Float64Array.of(1), means: Float64Array.of(1, 2), cov: Float64Array.of(0.5) });
  const diag = parseGmmProblem(gaussian({ type: 'diagonal', variances: [[0.5, 3]] })).prior;
  t.is(diag.kind, 'diagonal');
  t.deepEqual(diag.cov, Float64Array.of(0.5, 3));
  const full = parseGmmProblem(gaussian({ type: 'full', matrices: [[[2, 1], [1, 2]]] })).prior;
  t.is(full.kind, 'full');
  t.is(full.components, 1);
  t.deepEqual(full.cov, Float64Array.of(2, 1, 1, 2));
});

test('gmm covariances: diagonal K×d and full K×d×d (symmetrised within tolerance)', (t) => {
  const p = example();
  p.prior.covariance = { type: 'diagonal', variances: [[1, 2], [3, 4]] };
  t.deepEqual(parseGmmProblem(p).prior.cov, Float64Array.of(1, 2, 3, 4));
  const full = parseGmmProblem(fullExample()).prior;
  t.deepEqual(full.cov, Float64Array.of(1, 0.2, 0.2, 2, 0.5, 0, 0, 0.5));
  const q = fullExample();
  q.prior.covariance.matrices[0] = [[1, 0.2], [0.2 * (1 + 1e-12), 2]];
  const cov = parseGmmProblem(q).prior.cov;
  t.is(cov[1], cov[2], 'made exactly symmetric');
});

test('operators: identity, mask (indices of the ones), dense', (t) => {
  const p = example();
  p.likelihood = { operator: { type: 'identity' }, y: [1, 2], noiseStd: 0.5 };
  t.deepEqual(parseGmmProblem(p).likelihood?.operator, { type: 'identity', dim: 2 });

  const q = gaussian({ type: 'isotropic', variances: [1] }, [0, 0, 0, 0, 0]);
  q.likelihood = { operator: { type: 'mask', mask: [0, 1, 1, 0, 1] }, y: [4, 5, 6], noiseStd: 1 };
  const lik = parseGmmProblem(q).likelihood!;
  t.deepEqual(lik.operator, { type: 'mask', dim: 5, indices: Int32Array.of(1, 2, 4) });
  t.deepEqual(lik.y, Float64Array.of(4, 5, 6));

  p.likelihood = { operator: { type: 'dense', matrix: [[1, 2], [3, 4], [5, 6]] }, y: [1, 2, 3], noiseStd: 2 };
  t.deepEqual(parseGmmProblem(p).likelihood?.operator, { type: 'dense', rows: 3, cols: 2, matrix: Float64Array.of(1, 2, 3, 4, 5, 6) });
});

test(
  'y from a .npy file, relative to baseDir, any shape flattened',
  withTempDir((t, dir) => {
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'y.npy'), writeNpy(Float32Array.of(1, 2, 3, 4), [2, 2]));
    writeFileSync(join(dir, 'data', 'nan.npy'), writeNpy(Float64Array.of(1, NaN), [2]));
    const p = example();
    p.likelihood = { operator: { type: 'identity' }, y: { npy: 'data/y.npy' }, noiseStd: 1 };
    const q = gaussian({ type: 'isotropic', variances: [1] }, [0, 0, 0, 0]);
    q.likelihood = { operator: { type: 'identity' }, y: { npy: 'data/y.npy' }, noiseStd: 1 };
    t.deepEqual(parseGmmProblem(q, dir).likelihood?.y, Float64Array.of(1, 2, 3, 4));

    const short = t.throws(() => parseGmmProblem(p, dir), { instanceOf: LangevinError, message: /expected an array of 2 numbers \(any shape\), received shape \[2, 2\]/ });
    t.is(short?.code, 'E_SHAPE');
    t.is(short?.field, 'likelihood.y.npy');
    p.likelihood.y = { npy: 'data/nan.npy' };
    t.is(t.throws(() => parseGmmProblem(p, dir), { instanceOf: LangevinError, message: /NaN at flat index 1/ })?.code, 'E_NONFINITE');
    p.likelihood.y = { npy: 'data/missing.npy' };
    const missing = t.throws(() => parseGmmProblem(p, dir), { instanceOf: LangevinError, message: /^likelihood\.y\.npy: .*missing\.npy: cannot read/ });
    t.is(missing?.code, 'E_FILE');
    t.is(missing?.field, 'likelihood.y.npy');
  }),
);

test(
  'loadProblem reads the file, resolves .npy paths next to it, and reports bad JSON with a position',
  withTempDir(async (t, dir) => {
    writeFileSync(join(dir, 'y.npy'), writeNpy(Float64Array.of(0.5, -0.5), [2]));
    const p = example();
    p.likelihood = { operator: { type: 'identity' }, y: { npy: 'y.npy' }, noiseStd: 1 };
    writeFileSync(join(dir, 'problem.json'), '\ufeff' + JSON.stringify(p, null, 2));
    const loaded = await loadProblem(join(dir, 'problem.json'));
    t.deepEqual(loaded.likelihood?.y, Float64Array.of(0.5, -0.5));

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "prior": {\n    "type": "gmm",\n  }\n}');
    const err = await t.throwsAsync(loadProblem(bad), { instanceOf: LangevinError });
    t.is(err?.code, 'E_FILE');
    t.true(err!.message.startsWith(`${bad}:4:3: invalid JSON`), err!.message);

    const gone = await t.throwsAsync(loadProblem(join(dir, 'nope.json')), { instanceOf: LangevinError, message: /nope\.json: cannot read problem file/ });
    t.is(gone?.code, 'E_FILE');
  }),
);

// --- malformed problems: [description, mutation, code, field, message]
type Case = [string, (p: Json) => Json | void, ErrorCode, string, RegExp];
const setCov = (cov: Json) => (p: Json) => void (p.prior.covariance = cov);

const cases: Case[] = [
  ['root is an array', () => [], 'E_VALUE', 'problem', /^problem: expected an object, received array of length 0$/],
  ['unknown top-level key', (p) => void (p.priors = {}), 'E_OPTION', 'priors', /unknown key "priors".*did you mean "prior"/],
  ['prior missing', (p) => void delete p.prior, 'E_VALUE', 'prior', /expected an object, received nothing/],
  ['prior.type misspelt', (p) => void (p.prior.type = 'gmn'), 'E_OPTION', 'prior.type', /expected one of 'gmm', 'gaussian', 'patch-gmm', 'onnx', received string "gmn"/],
  ['prior.type a number', (p) => void (p.prior.type = 3), 'E_VALUE', 'prior.type', /received number 3/],
  ['weights not an array', (p) => void (p.prior.weights = '0.3, 0.7'), 'E_SHAPE', 'prior.weights', /expected non-empty array of positive numbers, received string/],
  ['weights empty', (p) => void (p.prior.weights = []), 'E_SHAPE', 'prior.weights', /non-empty array.*received array of length 0/],
  ['negative weight', (p) => void (p.prior.weights[0] = -0.3), 'E_VALUE', 'prior.weights[0]', /expected a positive number, received number -0.3/],
  ['zero weight', (p) => void (p.prior.weights[1] = 0), 'E_VALUE', 'prior.weights[1]', /positive number, received number 0/],
  ['weight as a string "NaN"', (p) => void (p.prior.weights[1] = 'NaN'), 'E_VALUE', 'prior.weights[1]', /finite number, received string "NaN"/],
  ['weight null', (p) => void (p.prior.weights[1] = null), 'E_VALUE', 'prior.weights[1]', /received null/],
  ['weight 1e999 (Infinity)', (p) => void (p.prior.weights[0] = JSON.parse('1e999')), 'E_NONFINITE', 'prior.weights[0]', /finite number, received number Infinity/],
  ['K mismatch between weights and means', (p) => void p.prior.weights.push(0.1), 'E_SHAPE', 'prior.means', /expected array of 3 rows, received array of length 2/],
  ['ragged means', (p) => void (p.prior.means = [[0, 0], [2, 1, 3]]), 'E_SHAPE', 'prior.means[1]', /^prior\.means\[1\]: expected array of 2 numbers, received array of length 3$/],
  ['empty mean row', (p) => void (p.prior.means = [[], []]), 'E_SHAPE', 'prior.means[0]', /non-empty array of numbers/],
  ['nested array inside means', (p) => void (p.prior.means[0][1] = [0]), 'E_VALUE', 'prior.means[0][1]', /finite number, received array of length 1/],
  ['covariance key typo', setCov({ type: 'isotropic', variance: [1, 1] }), 'E_OPTION', 'prior.covariance.variance', /did you mean "variances"/],
  ['covariance type unknown', setCov({ type: 'spherical', variances: [1, 1] }), 'E_OPTION', 'prior.covariance.type', /one of 'isotropic', 'diagonal', 'full'/],
  ['negative isotropic variance', setCov({ type: 'isotropic', variances: [0.1, -0.2] }), 'E_VALUE', 'prior.covariance.variances[1]', /positive number, received number -0.2/],
  ['isotropic variances wrong length', setCov({ type: 'isotropic', variances: [1, 1, 1] }), 'E_SHAPE', 'prior.covariance.variances', /expected array of 2 numbers, received array of length 3/],
  ['diagonal row wrong length', setCov({ type: 'diagonal', variances: [[1, 1], [1]] }), 'E_SHAPE', 'prior.covariance.variances[1]', /array of 2 numbers, received array of length 1/],
  ['full covariance given as variances', setCov({ type: 'full', variances: [1, 1] }), 'E_OPTION', 'prior.covariance.variances', /expected one of type, matrices/],
  ['full not symmetric', setCov({ type: 'full', matrices: [[[1, 0], [0, 1]], [[1, 0.5], [0.4, 1]]] }), 'E_VALUE', 'prior.covariance.matrices[1]', /expected a symmetric matrix, received entries \[1\]\[0\] = 0.4 and \[0\]\[1\] = 0.5/],
  ['full not positive definite', setCov({ type: 'full', matrices: [[[1, 2], [2, 1]], [[1, 0], [0, 1]]] }), 'E_VALUE', 'prior.covariance.matrices[0]', /not positive definite/],
  ['full singular', setCov({ type: 'full', matrices: [[[1, 0], [0, 1]], [[1, 1], [1, 1]]] }), 'E_VALUE', 'prior.covariance.matrices[1]', /not positive definite/],
  ['full matrix wrong size', setCov({ type: 'full', matrices: [[[1, 0], [0, 1], [0, 0]], [[1, 0], [0, 1]]] }), 'E_SHAPE', 'prior.covariance.matrices[0]', /expected array of 2 rows of 2 numbers, received array of length 3/],
  ['gaussian with gmm keys', () => ({ prior: { type: 'gaussian', mean: [0], weights: [1], covariance: { type: 'isotropic', variances: [1] } } }), 'E_OPTION', 'prior.weights', /unknown key "weights"/],
  ['gaussian without mean', () => ({ prior: { type: 'gaussian', covariance: { type: 'isotropic', variances: [1] } } }), 'E_SHAPE', 'prior.mean', /received nothing/],
  ['gaussian with two variances', () => gaussian({ type: 'isotropic', variances: [1, 2] }), 'E_SHAPE', 'prior.covariance.variances', /expected array of 1 number, received array of length 2/],
  ['likelihood key typo noisestd', (p) => void ((p.likelihood.noisestd = 0.1), delete p.likelihood.noiseStd), 'E_OPTION', 'likelihood.noisestd', /did you mean "noiseStd"/],
  ['likelihood not an object', (p) => void (p.likelihood = [1]), 'E_VALUE', 'likelihood', /expected an object, received array/],
  ['blur shape not matching d', (p) => void (p.likelihood.operator = { type: 'blur', kernel: [[1]], shape: [1, 3] }), 'E_SHAPE', 'likelihood.operator.shape', /C·H·W = 2/],
  ['operator type unknown', (p) => void (p.likelihood.operator.type = 'convolution'), 'E_OPTION', 'likelihood.operator.type', /one of 'identity', 'mask', 'dense'/],
  ['operator extra key', (p) => void (p.likelihood.operator = { type: 'identity', matrix: [[1, 0]] }), 'E_OPTION', 'likelihood.operator.matrix', /expected one of type$/],
  ['mask with 2', (p) => void (p.likelihood.operator = { type: 'mask', mask: [1, 2] }), 'E_VALUE', 'likelihood.operator.mask[1]', /expected 0 or 1, received number 2/],
  ['mask all zeros', (p) => void (p.likelihood.operator = { type: 'mask', mask: [0, 0] }), 'E_VALUE', 'likelihood.operator.mask', /expected at least one 1, received all zeros/],
  ['mask wrong length', (p) => void (p.likelihood.operator = { type: 'mask', mask: [1] }), 'E_SHAPE', 'likelihood.operator.mask', /expected array of 2 zeros and ones, received array of length 1/],
  ['dense row too long', (p) => void (p.likelihood.operator.matrix = [[1, 0.5, 2]]), 'E_SHAPE', 'likelihood.operator.matrix[0]', /expected array of 2 numbers, received array of length 3/],
  ['dense with no rows', (p) => void (p.likelihood.operator.matrix = []), 'E_SHAPE', 'likelihood.operator.matrix', /non-empty array rows of 2 numbers/],
  ['dense entry "NaN"', (p) => void (p.likelihood.operator.matrix[0][1] = 'NaN'), 'E_VALUE', 'likelihood.operator.matrix[0][1]', /received string "NaN"/],
  ['operator missing', (p) => void delete p.likelihood.operator, 'E_VALUE', 'likelihood.operator', /expected an object, received nothing/],
  ['y wrong length', (p) => void (p.likelihood.y = [1, 2]), 'E_SHAPE', 'likelihood.y', /^likelihood\.y: expected array of 1 number, received array of length 2$/],
  ['y a string', (p) => void (p.likelihood.y = '1.2'), 'E_SHAPE', 'likelihood.y', /or \{"npy": path\}, received string "1.2"/],
  ['y object with a typo', (p) => void (p.likelihood.y = { npz: 'y.npy' }), 'E_OPTION', 'likelihood.y.npz', /did you mean "npy"/],
  ['y npy path empty', (p) => void (p.likelihood.y = { npy: '' }), 'E_VALUE', 'likelihood.y.npy', /non-empty string/],
  ['noiseStd 0', (p) => void (p.likelihood.noiseStd = 0), 'E_VALUE', 'likelihood.noiseStd', /^likelihood\.noiseStd: expected a positive number, received number 0$/],
  ['noiseStd missing', (p) => void delete p.likelihood.noiseStd, 'E_VALUE', 'likelihood.noiseStd', /received nothing/],
  ['noiseStd -1e999', (p) => void (p.likelihood.noiseStd = -Infinity), 'E_NONFINITE', 'likelihood.noiseStd', /received number -Infinity/],
  ['too many components', (p) => void (p.prior.weights = new Array(5000).fill(1)), 'E_VALUE', 'prior.weights', /at most 4096 components, received 5000/],
  ['absurd dimension', () => gaussian({ type: 'isotropic', variances: [1] }, new Array(2 ** 26 + 1)), 'E_VALUE', 'prior.mean', /at most 67108864 entries/],
  ['absurd dense operator', (p) => void (p.likelihood.operator.matrix = Object.assign(new Array(2 ** 27 + 1), { 0: [1, 0] })), 'E_VALUE', 'likelihood.operator.matrix', /at most 268435456 entries in all/],
  ['absurd full covariance', () => gaussian({ type: 'full', matrices: [] }, new Array(20000).fill(0)), 'E_VALUE', 'prior.covariance.matrices', /at most 268435456 covariance entries/],
];

for (const [name, mutate, code, field, message] of cases) {
  test(`rejects: ${name}`, (t) => {
    const p = example();
    const raw = mutate(p) ?? p;
    const err = t.throws(() => parseGmmProblem(raw), { instanceOf: LangevinError });
    t.is(err?.code, code, err?.message);
    t.is(err?.field, field, err?.message);
    t.regex(err!.message, message);
    t.true(err!.message.startsWith(`${field}: `));
  });
}

// --- property: any single corrupted node gives a LangevinError naming a field, or a valid Problem.

/** Paths to every node (objects, arrays and leaves) below the root. */
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return keys.flatMap((k) => [[...prefix, k], ...paths(v[k], [...prefix, k])]);
}

const badValue = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constant(null),
  fc.constantFrom(-1, 0, -0, 2, 1e-300, Number.MAX_VALUE, Infinity, -Infinity, NaN),
  fc.double(),
  fc.boolean(),
  fc.array(fc.array(fc.double(), { maxLength: 3 }), { maxLength: 3 }),
  fc.constant(new Array(100_000).fill(1)),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

test('property: a corrupted problem throws LangevinError or parses', (t) => {
  const bases = [example(), fullExample(), gaussian({ type: 'diagonal', variances: [[1, 2]] })];
  bases[2].likelihood = { operator: { type: 'mask', mask: [1, 0] }, y: [3], noiseStd: 0.2 };
  const prop = fc.property(fc.nat(bases.length - 1), fc.nat(), badValue, (b, pick, value) => {
    const raw = structuredClone(bases[b]);
    const all = paths(raw);
    const path = all[pick % all.length];
    let parent = raw;
    for (const k of path.slice(0, -1)) parent = parent[k];
    parent[path[path.length - 1]] = value;
    try {
      const p = parseGmmProblem(raw);
      return p.prior.weights.length === p.prior.components && p.prior.means.length === p.prior.components * p.prior.dim;
    } catch (err) {
      if (!(err instanceof LangevinError)) throw err;
      return typeof err.field === 'string' && err.message.startsWith(`${err.field}: `);
    }
  });
  fc.assert(prop, { seed: 42, numRuns: 200 });
  t.pass();
});
