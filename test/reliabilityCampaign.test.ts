// SPDX-License-Identifier: MIT
// Issue 13's campaign: generated malformed inputs across every class the attack found (float32
// ranges, wrong field names, limits, file system, --out hazards, unbounded reads, content leaks,
// library surface), each refused with a LangevinError naming the right field, no stack trace, no
// output file. The library takes most cases (fast, in-process); the CLI a representative set, run a
// few processes at a time.
import test from 'ava';
import fc from 'fast-check';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LangevinError } from '../lib/errors.js';
import { estimateBytes } from '../lib/engine/memory.js';
import { writeNpyFile } from '../lib/io/npy.js';
import { loadProblem, parseProblem } from '../lib/problem/index.js';
import { sample } from '../lib/sample.js';
import type { Problem } from '../lib/types.js';

const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'langevin-campaign-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** A valid problem: 2 components on R^3, diagonal covariances, a dense 2×3 likelihood. */
function base(): any {
  return {
    prior: { type: 'gmm', weights: [0.4, 0.6], means: [[0, 1, -1], [2, 0, 1]], covariance: { type: 'diagonal', variances: [[1, 0.5, 2], [1, 1, 1]] } },
    likelihood: { operator: { type: 'dense', matrix: [[1, 0, 0.5], [0, 1, -1]] }, y: [0.3, -0.2], noiseStd: 0.5 },
  };
}

const huge = fc.double({ min: 1.01e18, max: 1e300, noNaN: true }).chain((v) => fc.constantFrom(v, -v));
const tinyVar = fc.double({ min: 1e-300, max: 9.9e-21, noNaN: true });
const hugeVar = fc.double({ min: 1.01e20, max: 1e300, noNaN: true });
const tinyStd = fc.double({ min: 1e-300, max: 9.9e-11, noNaN: true });
const i2 = fc.integer({ min: 0, max: 1 });
const i3 = fc.integer({ min: 0, max: 2 });

type Case = { name: string; raw: any; field: string | RegExp };

/** Malformed problem JSON and the field its error must name. */
const problemCase: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(i2, i3, huge).map(([k, i, v]) => {
    const p = base();
    p.prior.means[k][i] = v;
    return { name: `mean ${v}`, raw: p, field: `prior.means[${k}][${i}]` };
  }),
  fc.tuple(i2, i3, fc.oneof(tinyVar, hugeVar)).map(([k, i, v]) => {
    const p = base();
    p.prior.covariance.variances[k][i] = v;
    return { name: `variance ${v}`, raw: p, field: `prior.covariance.variances[${k}][${i}]` };
  }),
  fc.tuple(i2, fc.oneof(tinyVar, hugeVar)).map(([k, v]) => {
    const p = base();
    p.prior.covariance = { type: 'isotropic', variances: [1, 1] };
    p.prior.covariance.variances[k] = v;
    return { name: `isotropic variance ${v}`, raw: p, field: `prior.covariance.variances[${k}]` };
  }),
  fc.oneof(tinyVar, fc.double({ min: 1.01e20, max: 1e150, noNaN: true })).map((s) => {
    // A full covariance s·I: tiny pivots or entries too large for float32.
    const p = base();
    const m = [[s, 0, 0], [0, s, 0], [0, 0, s]];
    p.prior.covariance = { type: 'full', matrices: [m, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]] };
    return { name: `full covariance ${s}·I`, raw: p, field: /^prior\.covariance\.matrices\[0\]/ };
  }),
  fc.oneof(tinyStd, fc.double({ min: 1.01e10, max: 1e300, noNaN: true }), fc.double({ min: -1e10, max: 0, noNaN: true })).map((v) => {
    const p = base();
    p.likelihood.noiseStd = v;
    return { name: `noiseStd ${v}`, raw: p, field: 'likelihood.noiseStd' };
  }),
  fc.tuple(i2, huge).map(([i, v]) => {
    const p = base();
    p.likelihood.y[i] = v;
    return { name: `y ${v}`, raw: p, field: `likelihood.y[${i}]` };
  }),
  fc.tuple(i2, i3, huge).map(([i, j, v]) => {
    const p = base();
    p.likelihood.operator.matrix[i][j] = v;
    return { name: `matrix ${v}`, raw: p, field: `likelihood.operator.matrix[${i}][${j}]` };
  }),
  fc.tuple(i2, fc.double({ min: 1e-300, max: 1e-31, noNaN: true })).map(([k, v]) => {
    const p = base();
    p.prior.weights = [1, 1];
    p.prior.weights[k] = v;
    return { name: `weight ${v}`, raw: p, field: `prior.weights[${k}]` };
  }),
  fc.integer({ min: 65, max: 1500 }).map((depth) => {
    const p = base();
    let op: any = { type: 'identity' };
    for (let i = 0; i < depth; i++) op = { type: 'compose', operators: [op] };
    p.likelihood = { operator: op, y: [0, 0, 0], noiseStd: 1 };
    return { name: `compose depth ${depth}`, raw: p, field: /^likelihood\.operator(\.operators\[0\])*$/ };
  }),
  fc.tuple(fc.integer({ min: 9, max: 64 }), fc.integer({ min: 2049, max: 4096 })).map(([c, h]) => ({
    // Patch-GMM images larger than the dimension limit (C·H·W > 2^26).
    name: `patch image ${c}×${h}×${h}`,
    raw: { prior: { type: 'patch-gmm', shape: [c, h, h], patch: 1, gmm: { type: 'gaussian', mean: [0], covariance: { type: 'isotropic', variances: [1] } } } },
    field: 'prior.shape',
  })),
);

function assertRefused(t: any, err: unknown, field: string | RegExp, what: string): void {
  if (!(err instanceof LangevinError)) throw new Error(`${what}: not a LangevinError: ${String((err as Error)?.stack ?? err)}`);
  const ok = typeof field === 'string' ? err.field === field : field.test(err.field ?? '');
  if (!ok) throw new Error(`${what}: field ${err.field} (expected ${field}): ${err.message}`);
  if (!err.message.startsWith(err.field ?? '')) throw new Error(`${what}: message does not lead with the field: ${err.message}`);
  t.truthy(err.code);
}

const tally: Record<string, number> = {};
const count = (k: string) => (tally[k] = (tally[k] ?? 0) + 1);

test.serial('campaign (library): 150 generated malformed problems are refused by parseProblem, naming the field', (t) => {
  fc.assert(
    fc.property(problemCase, (c) => {
      let err: unknown;
      try {
        parseProblem(c.raw, dir);
      } catch (e) {
        err = e;
      }
      assertRefused(t, err, c.field, c.name);
      count('parseProblem');
    }),
    { seed: 13, numRuns: 150 },
  );
});

test.serial('campaign (library): float32-breaking options are refused by sample() naming the option, before any work', async (t) => {
  const problem = parseProblem(base(), dir);
  const bad = fc.oneof(
    fc.double({ min: 1e-320, max: 9.9e-31, noNaN: true }).map((v) => ({ o: { stepSize: v }, field: 'options.stepSize' })),
    fc.double({ min: 1.01e18, max: 1e300, noNaN: true }).map((v) => ({ o: { stepSize: v }, field: 'options.stepSize' })),
    fc.double({ min: 1e-320, max: 9.9e-31, noNaN: true }).map((v) => ({ o: { sampler: 'almc', almc: { warmStartStepSize: v } }, field: 'options.almc.warmStartStepSize' })),
    fc.double({ min: 1e-320, max: 9.9e-31, noNaN: true }).map((v) => ({ o: { sampler: 'dalmc', dalmc: { kappa: v } }, field: 'options.dalmc.kappa' })),
    fc.double({ min: 1.01e18, max: 1e300, noNaN: true }).map((v) => ({ o: { sampler: 'xgp', xgp: { x0: [0, v, 0] } }, field: 'options.xgp.x0[1]' })),
  );
  await fc.assert(
    fc.asyncProperty(bad, async ({ o, field }) => {
      const err = await sample(problem, { chains: 4, steps: 5, device: 'cpu', ...(o as object) }).then(() => undefined, (e) => e);
      assertRefused(t, err, field, JSON.stringify(o));
      count('options');
    }),
    { seed: 13, numRuns: 40 },
  );
});

test.serial('campaign (library): sample() refuses null, {}, strings, raw JSON and bad hand-built problems with a LangevinError', async (t) => {
  const good = parseProblem(base(), dir) as any;
  const handBuilt = (f: (p: any) => void): Problem => {
    const p = { prior: { ...good.prior, means: Float64Array.from(good.prior.means), cov: Float64Array.from(good.prior.cov) }, likelihood: { ...good.likelihood, y: Float64Array.from(good.likelihood.y) } };
    f(p);
    return p as Problem;
  };
  const cases: [unknown, string | RegExp][] = [
    [null, 'problem'],
    [undefined, 'problem'],
    [{}, 'problem'],
    [42, 'problem'],
    ['problem.json', 'problem'],
    [JSON.stringify(base()), 'problem'],
    [base(), 'problem'],
    [{ prior: null }, 'prior'],
    [{ prior: { kind: 'weird' } }, 'prior.kind'],
    [handBuilt((p) => (p.likelihood.noiseStd = -1)), 'likelihood.noiseStd'],
    [handBuilt((p) => (p.likelihood.noiseStd = 1e-20)), 'likelihood.noiseStd'],
    [handBuilt((p) => (p.likelihood.noiseStd = Number.NaN)), 'likelihood.noiseStd'],
    [handBuilt((p) => (p.prior.cov[2] = 0)), 'prior.cov[2]'],
    [handBuilt((p) => (p.prior.cov[0] = 1e300)), 'prior.cov[0]'],
    [handBuilt((p) => (p.prior.means[4] = 1e39)), 'prior.means[4]'],
    [handBuilt((p) => (p.prior.means = [0, 1, 2, 3, 4, 5])), 'prior.means'],
    [handBuilt((p) => (p.prior.dim = 0)), 'prior.dim'],
    [handBuilt((p) => (p.prior.weights = Float64Array.of(0.5, 0.6))), 'prior.weights'],
    [handBuilt((p) => (p.likelihood.y = Float64Array.of(1))), 'likelihood.y'],
    [handBuilt((p) => (p.likelihood.y[1] = Infinity)), 'likelihood.y[1]'],
    [handBuilt((p) => (p.likelihood.operator = { type: 'dense', rows: 2, cols: 4, matrix: new Float64Array(8) })), 'likelihood.operator'],
    [handBuilt((p) => (p.likelihood.operator = { type: 'warp' })), 'likelihood.operator.type'],
    [handBuilt((p) => (p.likelihood.operator = { type: 'mask', dim: 3, indices: Int32Array.of(0, 5) })), 'likelihood.operator.indices[1]'],
  ];
  for (const [input, field] of cases) {
    const err = await sample(input as Problem, { chains: 4, steps: 5, device: 'cpu' }).then(() => undefined, (e) => e);
    assertRefused(t, err, field, `sample(${typeof input === 'string' ? input.slice(0, 30) : JSON.stringify(input)?.slice(0, 60)})`);
    count('surface');
  }
  // The valid hand-built copy still samples.
  const ok = await sample(handBuilt(() => {}), { chains: 4, steps: 5, device: 'cpu' });
  t.is(ok.samples.length, 12);
});

test.serial('campaign (library): files named by a problem are stat-checked, capped, confinable and never quoted', async (t) => {
  const secret = 'SECRET-CONTENT-' + 'x'.repeat(50);
  writeFileSync(join(dir, 'leak.json'), `${secret}{`);
  writeFileSync(join(dir, 'leak.npy'), `\x93NUMPY\x01\x00\x20\x00{'descr': '${secret}', 'bad`);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeNpyFile(join(dir, 'y.npy'), Float32Array.of(1, 2), [2]);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const withPrior = (prior: unknown) => ({ ...base(), prior });
  const withY = (npy: string) => {
    const p = base();
    p.likelihood.y = { npy };
    return p;
  };
  const cases: [any, string, string, boolean][] = [
    [withPrior('/dev/zero'), 'prior', 'not a regular file', false],
    [withPrior('/dev/stdin'), 'prior', '', false],
    [withPrior(fifo), 'prior', 'not a regular file', false],
    [withPrior('sub'), 'prior', 'directory', false],
    [withPrior('leak.json'), 'prior', 'not valid JSON', false],
    [withPrior('missing.json'), 'prior', 'no such file', false],
    [withY('/dev/zero'), 'likelihood.y.npy', 'not a regular file', false],
    [withY(fifo), 'likelihood.y.npy', 'not a regular file', false],
    [withY('leak.npy'), 'likelihood.y.npy', '', false],
    [withY('../y.npy'), 'likelihood.y.npy', 'outside', true],
    [withY('/etc/hostname'), 'likelihood.y.npy', 'outside', true],
    [withPrior('../leak.json'), 'prior', 'outside', true],
  ];
  for (const [raw, field, words, confine] of cases) {
    const base = confine ? join(dir, 'sub') : dir;
    let err: unknown;
    const t0 = performance.now();
    try {
      parseProblem(raw, base, { confine });
    } catch (e) {
      err = e;
    }
    t.true(performance.now() - t0 < 2000, 'refused at once, no blocking read');
    assertRefused(t, err, field, JSON.stringify(raw).slice(0, 80));
    const msg = (err as Error).message;
    t.true(msg.includes(words), msg);
    t.false(msg.includes('SECRET'), `message leaks file content: ${msg}`);
    count('files');
  }
  // The problem file itself: a FIFO, a device and bad JSON are refused by loadProblem without blocking or quoting.
  writeFileSync(join(dir, 'bad.json'), `{"prior": ${secret}}`);
  for (const p of [fifo, '/dev/zero', join(dir, 'bad.json')]) {
    const err = await loadProblem(p).then(() => undefined, (e) => e);
    t.true(err instanceof LangevinError && err.code === 'E_FILE', String(err));
    t.false(String(err.message).includes('SECRET'));
    count('files');
  }
});

test.serial('campaign (library): a never-settling score model is cancelled by its signal; an onProgress exception rejects the run', async (t) => {
  const model = { dim: 2, score: () => new Promise<void>(() => {}) };
  const problem = { prior: { kind: 'score', dim: 2, model, scale: { minVariance: 1, maxVariance: 1, meanSquare: 1 } } } as unknown as Problem;
  const controller = new AbortController();
  const run = sample(problem, { chains: 2, steps: 3, device: 'cpu', signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  const t0 = performance.now();
  const err = await run.then(() => undefined, (e) => e);
  t.true(err instanceof LangevinError && err.code === 'E_ABORTED', String(err));
  t.true(performance.now() - t0 < 1000);
  const boom = new Error('progress handler failed');
  const err2 = await sample(parseProblem(base(), dir), {
    chains: 16,
    steps: 2000,
    device: 'cpu',
    onProgress: () => {
      throw boom;
    },
  }).then(() => undefined, (e) => e);
  t.is(err2, boom);
  count('surface');
  count('surface');
});

test.serial('campaign (library): --draws counts in the memory estimate', (t) => {
  const problem = parseProblem(base(), dir);
  const plain = estimateBytes(problem, 1_000_000).host;
  const drawn = estimateBytes(problem, 1_000_000, 1000).host;
  t.true(drawn - plain >= 1000 * 1_000_000 * 3 * 4, `${plain} → ${drawn}`);
});

// --- CLI ------------------------------------------------------------------------------------------

function run(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.on('exit', (c) => resolve({ code: c, stderr: err }));
  });
}

test.serial('campaign (CLI): ~50 malformed invocations exit 2 with one typed line, no stack trace, no output', async (t) => {
  const root = join(dir, 'cli');
  mkdirSync(root, { recursive: true });
  const w = (name: string, v: unknown) => writeFileSync(join(root, name), typeof v === 'string' ? v : JSON.stringify(v));
  w('ok.json', base());
  w('afile', 'not a directory');
  const mutated = fc.sample(problemCase, { seed: 7, numRuns: 20 });
  mutated.forEach((c, i) => w(`bad${i}.json`, c.raw));
  w('secret.json', 'SECRET-BYTES{');
  w('leaky.json', { ...base(), prior: 'secret.json' });
  w('zero.json', { ...base(), prior: '/dev/zero' });
  w('outside.json', { ...base(), prior: '../../outside.json' });
  const out = join(root, 'o.npy');
  const cases: [string[], RegExp][] = [
    ...mutated.map((c, i): [string[], RegExp] => [['sample', `bad${i}.json`, '--steps', '5', '--chains', '4', '--out', out], /E_(VALUE|NONFINITE|SHAPE)/]),
    [['sample', 'ok.json', '--steps', '5', '--out', ''], /--out/],
    [['sample', 'ok.json', '--steps', '5', '--out', '/dev/null'], /not a regular file/],
    [['sample', 'ok.json', '--steps', '5', '--out', root], /directory/],
    [['sample', 'ok.json', '--steps', '5', '--out', join(root, 'missing', 'x.npy')], /does not exist/],
    [['sample', 'ok.json', '--steps', '5', '--out', join(root, 'afile', 'x.npy')], /not a directory|is a file/],
    [['sample', 'ok.json', '--steps', '5', '--png', join(root, 'afile', 'png')], /--png/],
    [['sample', 'ok.json', '--steps', '5', '--step-size', '1e-320', '--out', out], /options\.stepSize/],
    [['sample', 'ok.json', '--steps', '5', '--step-size', '1e30', '--out', out], /options\.stepSize/],
    [['sample', 'leaky.json', '--steps', '5', '--out', out], /not valid JSON/],
    [['sample', 'zero.json', '--steps', '5', '--out', out], /outside/],
    [['sample', 'zero.json', '--allow-outside-files', '--steps', '5', '--out', out], /not a regular file/],
    [['sample', 'outside.json', '--steps', '5', '--out', out], /outside/],
    [['sample', '/dev/zero', '--steps', '5', '--out', out], /not a regular file/],
    [['posterior', 'zero.json', '--allow-outside-files'], /not a regular file/],
    [['fit-prior', '--phantoms', '2', '--shape', '16x16', '--components', '0'], /--components/],
    [['fit-prior', '--phantoms', '2', '--shape', '16x16', '--patches', '0'], /--patches/],
    [['fit-prior', '--phantoms', '2', '--shape', '16x16', '--patch', '0'], /--patch\b/],
    [['fit-prior', '--phantoms', '2', '--shape', '16x16', '--out', join(root, 'missing', 'p.json')], /does not exist/],
    [['fit-prior', '--phantoms', '2', '--shape', '100000x100000'], /--shape/],
    [['fit-prior', '/dev/zero'], /not a regular file/],
    [['fit-prior', 'secret.json'], /not a PNG/],
    [['demo', '--out', join(root, 'afile'), '--only', 'gmm'], /not a directory/],
    [['demo', '--out', join(root, 'afile', 'sub'), '--only', 'gmm'], /--out/],
  ];
  const before = new Set(readdirSync(root));
  const failures: string[] = [];
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const [args, pattern] = c;
      const { code, stderr } = await run(args, root);
      if (code !== 2) failures.push(`exit ${code}: ${args.join(' ')}: ${stderr}`);
      else if (/\n\s+at /.test(stderr) || /internal error/.test(stderr)) failures.push(`stack trace: ${args.join(' ')}: ${stderr}`);
      else if (!pattern.test(stderr)) failures.push(`message ${pattern}: ${args.join(' ')}: ${stderr}`);
      else if (stderr.includes('SECRET')) failures.push(`leak: ${args.join(' ')}: ${stderr}`);
      count('cli');
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  t.deepEqual(failures, []);
  t.deepEqual(readdirSync(root).filter((f) => !before.has(f)), [], 'no output file left');
  t.true(statSync('/dev/null').isCharacterDevice(), '/dev/null untouched');
  t.false(existsSync(join(root, 'missing')));
  t.log(`refusals by class: ${JSON.stringify(tally)} (${Object.values(tally).reduce((a, b) => a + b, 0)} in all)`);
  t.true(Object.values(tally).reduce((a, b) => a + b, 0) >= 200);
});

test.serial('cancellation: the diagnostics tail at 10⁶ chains yields to the event loop and stops within one slice of an abort', async (t) => {
  const { diagnoseChunked } = await import('../lib/diagnostics/summary.js');
  const { exactPosteriorOf } = await import('../lib/math/posterior.js');
  const { divergenceReport } = await import('../lib/engine/chains.js');
  const problem = parseProblem(base(), dir) as any;
  const chains = 1_000_000;
  const x = new Float32Array(chains * 3).map((_, i) => Math.sin(i));
  const status = new Int32Array(chains).fill(-1);
  const exact = exactPosteriorOf(problem);
  // Uncancelled: it completes in 20 ms slices (bounds are loose for a loaded CI machine; RELIABILITY.md has the figures).
  let last = performance.now();
  let worst = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 2);
  const t0 = performance.now();
  const full = await diagnoseChunked(problem, x, status, divergenceReport(status), exact);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(tick);
  t.is(full.finite, chains);
  t.true(worst < 250, `worst event-loop gap ${worst.toFixed(0)} ms`);
  // Cancelled part-way: E_ABORTED within one slice.
  const controller = new AbortController();
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    controller.abort(new Error('probe'));
  }, Math.max(20, (seconds * 1000) / 3));
  const err = await diagnoseChunked(problem, x, status, divergenceReport(status), exact, controller.signal).then(() => undefined, (e) => e);
  const latency = performance.now() - abortedAt;
  t.true(err instanceof LangevinError && err.code === 'E_ABORTED', String(err));
  t.true(latency < 250, `abort → rejection ${latency.toFixed(1)} ms`);
  t.log(`diagnostics at 10⁶ chains: ${seconds.toFixed(2)} s, worst event-loop gap ${worst.toFixed(0)} ms, abort → E_ABORTED ${latency.toFixed(1)} ms`);
});

test.serial('cancellation: SIGTERM to `langevin sample` exits 143 with no output file', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'langevin-sigterm-'));
  try {
    writeFileSync(join(root, 'problem.json'), JSON.stringify(base()));
    const child = spawn(process.execPath, [cli, 'sample', 'problem.json', '--steps', '2000000', '--out', join(root, 'X.npy')], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The handler is installed just before the addon loads: wait for it in the child's mappings.
    const mapped = () => {
      try {
        return readFileSync(`/proc/${child.pid}/maps`, 'utf8').includes('langevin.node');
      } catch {
        return !existsSync('/proc');
      }
    };
    const until = Date.now() + 20_000;
    while (Date.now() < until && !mapped()) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    const sent = performance.now();
    child.kill('SIGTERM');
    const code = await exited;
    t.is(code, 143, stderr);
    t.regex(stderr, /E_ABORTED: .*SIGTERM/);
    t.notRegex(stderr, /\n\s+at /);
    t.deepEqual(readdirSync(root), ['problem.json']);
    t.log(`SIGTERM → exit 143: ${(performance.now() - sent).toFixed(0)} ms`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.serial('memory: an address-space limit (ulimit -v) bounds the E_OOM check, not the host free memory', async (t) => {
  const memory = fileURLToPath(new URL('../lib/engine/memory.js', import.meta.url));
  const script = `import { availableBytes } from ${JSON.stringify(memory)}; console.log(JSON.stringify(availableBytes()));`;
  let out: string;
  try {
    out = execFileSync('bash', ['-c', 'ulimit -v 4000000 && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8' });
  } catch (err) {
    t.log(`no ulimit here (${(err as Error).message.split('\n')[0]}): skipped`);
    t.pass();
    return;
  }
  const got = JSON.parse(out) as { bytes: number; source: string };
  t.true(got.bytes < 4000000 * 1024, JSON.stringify(got));
  t.regex(got.source, /address-space limit|cgroup/);
});

test.serial('native backstop: schedule scalars outside float32 (or steps that round to 0) are a typed error from the addon, never UB', async (t) => {
  const { runPhase } = await import('../lib/engine/phase.js');
  const { priorTables, operatorTables, observationTable } = await import('../lib/engine/nativeTables.js');
  const { freshStatus } = await import('../lib/engine/chains.js');
  const problem = parseProblem(base(), dir);
  const ctx = { device: 'cpu' as const, threads: 1, seed: 1n, chainOffset: 0, prior: priorTables(problem.prior), operator: operatorTables(problem.likelihood?.operator), y: observationTable(problem.likelihood) };
  const state = { chains: 2, dim: 3, x: new Float32Array(6), status: freshStatus(2) };
  for (const [h, a] of [[1e-40, 1], [1e-320, 1], [1e39, 1], [0.1, 1e300]]) {
    const schedule = { h: Float64Array.of(h), a: Float64Array.of(a), b2: Float64Array.of(0), c: Float64Array.of(1) };
    const err = await runPhase(ctx, { name: 'probe', stream: 0, schedule }, state).then(() => undefined, (e) => e);
    t.true(err instanceof LangevinError, `h=${h} a=${a}: ${String(err)}`);
    t.regex(String(err.message), /float32/);
  }
});
