// SPDX-License-Identifier: MIT
// `langevin bench`: the NumPy peer computes the same drift as the native fused step (so the
// ratios compare like with like), its default case list matches ours, and `bench --quick --json`
// runs end to end with the documented JSON shape. NumPy parts skip visibly without python3+numpy.
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { applyOperator } from '../lib/math/applyOperator.js';
import { benchCases, benchProblem, FAMILY_NAMES, FAMILIES, UNAVAILABLE } from '../lib/bench/cases.js';
import type { FamilyName } from '../lib/bench/cases.js';
import { peerScript, python, pythonModuleVersion } from '../lib/bench/peers.js';
import { freshStatus } from '../lib/engine/chains.js';
import { backends } from '../lib/engine/device.js';
import { operatorTables, priorTables } from '../lib/engine/nativeTables.js';
import { runPhase } from '../lib/engine/phase.js';
import { gmmScore, noisedPrior, operatorMatrix } from '../lib/math/posterior.js';
import { drawNormals } from '../lib/engine/rng.js';
import { constantSchedule } from '../lib/samplers/schedule.js';
import { operatorRows } from '../lib/types.js';

const numpy = pythonModuleVersion('numpy');
const script = peerScript('bench_numpy.py');
const npTest = numpy.version && script ? test : test.skip;
const npWhy = numpy.version && script ? '' : ` (skipped: ${script ? numpy.reason : 'scripts/bench_numpy.py not found'})`;
const FAMS = FAMILY_NAMES.filter((f) => !UNAVAILABLE[f]) as FamilyName[];

function py(args: string[], input?: string): string {
  const r = spawnSync(python(), [script!, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`bench_numpy.py ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A tiny instance of a family: parameters as the benchmark builds them, at small d. */
function tiny(family: FamilyName) {
  const d = family === 'gmm-full' ? 6 : family === 'blur' ? 16 : 8; // blur: a 4×4 image (the 7×7 kernel wraps)
  const chains = 3;
  const p = benchProblem(family, chains, d);
  const x = Float32Array.from(p.x0, (v) => 1.5 * v);
  return { d, chains, p, x };
}

/** Double-precision drift ∇log p_{a,b}(x) + c Aᵀ(y − Ax) from lib/math/posterior.ts. */
function referenceDrift(family: FamilyName): Float64Array {
  const { d, chains, p, x } = tiny(family);
  const { a, b2, c } = p.step;
  const noised = noisedPrior(p.prior, a, b2);
  const A = operatorMatrix(p.operator);
  const m = operatorRows(p.operator);
  const out = new Float64Array(chains * d);
  for (let ch = 0; ch < chains; ch++) {
    const row = Array.from(x.subarray(ch * d, (ch + 1) * d));
    const s = gmmScore(noised, row);
    const ax = applyOperator(p.operator, row);
    for (let i = 0; i < d; i++) {
      let g = 0;
      for (let j = 0; j < m; j++) g += A[j * d + i] * (p.y[j] - ax[j]);
      out[ch * d + i] = s[i] + c * g;
    }
  }
  return out;
}

/** The NumPy peer's drift on the same problem, given the native tables (eigendecompositions for full). */
function numpyDrift(family: FamilyName): Float64Array {
  const { d, p, x } = tiny(family);
  const t = priorTables(p.prior);
  const op = p.operator;
  const problem = {
    kind: FAMILIES[family].covKind,
    K: t.components,
    d,
    logw: Array.from(t.logWeights),
    means: Array.from(t.means),
    var: Array.from(t.variances),
    eigvec: t.eigenvectors ? Array.from(t.eigenvectors) : undefined,
    op:
      op.type === 'mask'
        ? { type: 'mask', indices: Array.from(op.indices) }
        : op.type === 'dense'
          ? { type: 'dense', matrix: Array.from(op.matrix) }
          : op.type === 'blur'
            ? { type: 'blur', ...op.shape, kernel: Array.from(op.kernel), kernelHeight: op.kernelHeight, kernelWidth: op.kernelWidth }
            : { type: 'identity' },
    y: Array.from(p.y),
    ...p.step,
    x: Array.from(x),
  };
  return Float64Array.from((JSON.parse(py(['--check'], JSON.stringify(problem))) as { drift: number[] }).drift);
}

/** The native fused step's drift: (x' − x − √(2h)ξ)/h with ξ drawn at the same RNG address. */
async function nativeDrift(family: FamilyName): Promise<Float64Array> {
  const { d, chains, p, x } = tiny(family);
  const h = 0.01;
  const seed = 5n, stream = 16;
  const out = await runPhase(
    { device: 'cpu', threads: 1, seed, chainOffset: 0, prior: priorTables(p.prior), operator: operatorTables(p.operator), y: Float32Array.from(p.y) },
    { name: 'bench-check', stream, schedule: constantSchedule(1, { ...p.step, h }) },
    { chains, dim: d, x: Float32Array.from(x), status: freshStatus(chains) },
  );
  const xi = await drawNormals({ seed, stream, step: 0, chainOffset: 0 }, chains, d);
  return Float64Array.from(out.x, (v, i) => (v - x[i] - Math.sqrt(2 * h) * xi[i]) / h);
}

function maxRelErr(a: Float64Array, b: Float64Array): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return w;
}

for (const f of FAMS) {
  npTest(`NumPy peer computes the same drift as the reference and the native step: ${f}${npWhy}`, async (t) => {
    const ref = referenceDrift(f);
    const np = numpyDrift(f);
    const nat = await nativeDrift(f);
    t.is(np.length, ref.length);
    t.true(Math.max(...ref.map(Math.abs)) > 0.5, 'a non-trivial drift');
    const eNp = maxRelErr(np, ref);
    const eNat = maxRelErr(nat, np);
    t.true(eNp < 1e-5, `numpy vs double reference: max relative error ${eNp}`);
    // (x′ − x − √(2h)ξ)/h amplifies the float32 rounding of x′ by 1/h = 100.
    t.true(eNat < 2e-4, `native step vs numpy: max relative error ${eNat}`);
    t.log(`max relative error: numpy vs reference ${eNp.toExponential(1)}, native vs numpy ${eNat.toExponential(1)}`);
  });
}

npTest(`the NumPy script's default case list is lib/bench/cases.ts's${npWhy}`, (t) => {
  for (const quick of [false, true]) {
    const ours = benchCases(FAMS, { quick }).map((c) => ({ family: c.family, size: c.size, chains: c.chains, d: c.d, K: c.K, steps: c.steps }));
    const theirs = JSON.parse(py(quick ? ['--list', '--quick'] : ['--list'])) as typeof ours;
    const key = (c: (typeof ours)[number]) => `${c.family}/${c.size}`;
    t.deepEqual([...theirs].sort((a, b) => key(a).localeCompare(key(b))), [...ours].sort((a, b) => key(a).localeCompare(key(b))));
  }
});

// ------------------------------------------------------------------------------------------------
// End to end through the CLI. main.js once `bench` is registered there; until then through a
// commander program that registers only benchCommand.

const mainJs = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const benchJs = fileURLToPath(new URL('../lib/cli/commands/benchCommand.js', import.meta.url));
const cliErrorsJs = fileURLToPath(new URL('../lib/cli/errors.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'langevin-bench-'));
const fallback = join(dir, 'bench-cli.mjs');
writeFileSync(
  fallback,
  `import { Command } from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('commander')).href)};\n` +
    `import { registerBench } from ${JSON.stringify(pathToFileURL(benchJs).href)};\n` +
    `import { exitCodeOf, reportError } from ${JSON.stringify(pathToFileURL(cliErrorsJs).href)};\n` +
    `const p = new Command('langevin').exitOverride();\nregisterBench(p);\nfor (const c of p.commands) c.exitOverride();\n` +
    `try { await p.parseAsync(process.argv.slice(2), { from: 'user' }); } catch (e) { if (String(e.code).startsWith('commander.')) process.exitCode = e.exitCode === 0 ? 0 : 2; else { reportError(e); process.exitCode = exitCodeOf(e); } }\n`,
);

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function bench(args: string[], t: { log: (...a: unknown[]) => void }) {
  const r = await run(mainJs, ['bench', ...args]);
  if (r.code !== 0 && /unknown command/i.test(r.stderr)) {
    t.log('`bench` is not registered in lib/cli/main.ts yet: running benchCommand through its own commander program');
    return run(fallback, ['bench', ...args]);
  }
  return r;
}

test('bench --quick --json runs every family end to end and reports the documented shape', async (t) => {
  const r = await bench(['--quick', '--json', '--device', 'cpu'], t);
  t.is(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  t.is(rep.tool, 'langevin bench');
  t.is(rep.device, 'cpu');
  t.true(rep.quick);
  t.true(typeof rep.command === 'string' && rep.command.includes('bench'));
  t.true(typeof rep.machine.cpuModel === 'string' && rep.machine.logicalCpus >= 1);
  t.true(rep.bandwidth.bytesPerSecond > 1e8, 'a measured memory bandwidth');
  t.is(rep.bandwidth.source, 'measured');
  t.true(rep.rooflineElementStepsPerSec > 0);
  t.deepEqual(rep.unavailable, Object.entries(UNAVAILABLE).map(([family, reason]) => ({ family, reason })));
  t.deepEqual(rep.results.map((x: { family: string }) => x.family), FAMS);
  for (const row of rep.results) {
    t.is(row.size, 'small');
    for (const k of ['chains', 'd', 'm', 'K', 'steps', 'reps', 'seconds', 'elementStepsPerSec', 'chainStepsPerSec', 'nsPerElementStep', 'bytesPerElementStep', 'paramBytesPerElementStep', 'flopsPerElementStep', 'gflops', 'bandwidthFraction'])
      t.true(typeof row[k] === 'number' && row[k] > 0 && Number.isFinite(row[k]), `${row.family}.${k} = ${row[k]}`);
    t.is(row.bytesPerElementStep, 8);
    t.is(row.diverged, 0);
    const rate = (row.chains * row.d * row.steps) / row.seconds;
    t.true(Math.abs(rate / row.elementStepsPerSec - 1) < 1e-9, 'element-steps/s = chains·d·steps/seconds');
    t.true(Math.abs(row.chainStepsPerSec * row.d / row.elementStepsPerSec - 1) < 1e-9);
    t.true(Math.abs((row.elementStepsPerSec * 8) / rep.bandwidth.bytesPerSecond / row.bandwidthFraction - 1) < 1e-9);
    if (numpy.version && script) {
      const p = row.peers.numpy;
      t.truthy(p, `numpy peer row for ${row.family}`);
      t.true(p.elementStepsPerSec > 0 && p.steps >= 2);
      t.true(Math.abs(p.ratio - row.elementStepsPerSec / p.elementStepsPerSec) < 1e-9 * p.ratio);
    }
  }
  if (numpy.version && script) t.like(rep.peers[0], { peer: 'numpy', available: true, version: numpy.version });
  else t.log(`numpy peer checks skipped: ${numpy.reason ?? 'scripts/bench_numpy.py not found'}`);
});

test('bench --device cuda without a CUDA backend skips cleanly with a message', async (t) => {
  if (backends().includes('cuda')) {
    t.pass('this machine has CUDA: nothing to skip');
    return;
  }
  const r = await bench(['--device', 'cuda', '--json', '--quick'], t);
  t.is(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  t.is(rep.device, 'cuda');
  t.regex(rep.skipped, /CUDA benchmarks skipped/);
  t.deepEqual(rep.results, []);
  t.regex(r.stderr, /CUDA benchmarks skipped/);
});

test('bench rejects unknown families with exit code 2', async (t) => {
  const r = await bench(['--families', 'gaussian,nope', '--quick'], t);
  t.is(r.code, 2);
  t.regex(r.stderr, /--families/);
});
