// SPDX-License-Identifier: MIT
// Reliability: divergence is frozen and reported (never zeroed), cancellation is prompt and leaves
// nothing behind, impossible sizes are refused before allocation, and malformed options of every
// kind are refused with a typed error before any native work (fast-check), while valid random
// problems always sample. Tests that count native calls are serial: ava runs them before the
// concurrent ones, so no other run of this file can touch the counters meanwhile.
import test from 'ava';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { curvature } from '../lib/math/curvature.js';
import { LangevinError } from '../lib/errors.js';
import { estimateBytes } from '../lib/engine/memory.js';
import { native } from '../lib/engine/native.js';
import { MAX_CHAINS, SAMPLER_NAMES } from '../lib/options.js';
import type { SampleOptions } from '../lib/options.js';
import { parseProblem } from '../lib/problem/index.js';
import { sample } from '../lib/sample.js';
import type { SampleResult } from '../lib/sample.js';
import { randomProblem, type Kind } from './helpers/problems.js';

// --- native call counters (every native entry point that does work) -----------------------------
const calls = { runPhase: 0, draw: 0 };
{
  const n = native() as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ['runPhase', 'draw'] as const) {
    const original = n[name];
    n[name] = function (this: unknown, ...args: unknown[]) {
      calls[name]++;
      return original.apply(this, args);
    };
  }
}
const resetCalls = () => {
  calls.runPhase = 0;
  calls.draw = 0;
};

const INPUT_CODES = new Set(['E_OPTION', 'E_VALUE', 'E_NONFINITE', 'E_SHAPE']);
const problem = parseProblem(randomProblem({ seed: 21, d: 3, m: 2, K: 2, kind: 'diagonal', noiseStd: 0.3 }));
const rowOf = (r: SampleResult, c: number) => r.samples.subarray(c * r.shape[1], (c + 1) * r.shape[1]);
const sameBits = (a: Float32Array, b: Float32Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

function addonMapped(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/maps`, 'utf8').includes('langevin.node');
  } catch {
    return existsSync('/proc') ? false : true; // no procfs: fall back to the fixed delay
  }
}

// --- (a) divergence -------------------------------------------------------------------------------

test('divergence: diverged chains are frozen at their last finite state, reported with their step, and counted', async (t) => {
  const L = curvature(problem).L;
  const offset = 100;
  const opts: SampleOptions = { chains: 64, seed: 9, chainOffset: offset, steps: 200, stepSize: 50 / L, device: 'cpu' };
  const r = await sample(problem, opts);
  const status = Array.from(r.status);
  const diverged = status.filter((s) => s >= 0).length;
  t.true(diverged > 0, 'a step of 50/L must blow chains up');
  t.true(status.every((s) => s === -1 || (s >= 0 && s < 200)));
  t.true(r.samples.every(Number.isFinite), 'diverged chains keep finite states');

  const report = r.summary.diagnostics.divergence;
  t.is(report.diverged, diverged);
  t.is(report.chains.length, Math.min(20, diverged));
  for (const { chain, step, cause } of report.chains) {
    t.is(status[chain - offset], step, `chain ${chain}`);
    t.regex(cause, /non-finite/);
  }
  t.is(r.summary.phases[r.summary.phases.length - 1].diverged, diverged);

  // Frozen = exactly the state after the last finite step: a run stopped just before step s gives
  // the same row, bit for bit, for every chain that diverged at s (and it is not zeroed).
  const steps = [...new Set(status.filter((s) => s >= 0))].sort((a, b) => a - b);
  for (const s of steps) {
    const shorter = await sample(problem, { ...opts, steps: s });
    for (let c = 0; c < 64; c++) {
      if (status[c] !== s) continue;
      t.is(shorter.status[c], -1, `chain ${c} is still finite after ${s} steps`);
      t.true(sameBits(rowOf(r, c), rowOf(shorter, c)), `chain ${c} frozen at its state after step ${s - 1}`);
      t.true(rowOf(r, c).some((v) => v !== 0), `chain ${c} not zeroed`);
    }
  }
  // A run cut at the last divergence step: chains that diverged before it are frozen and counted,
  // the others are still finite and untouched by their neighbours' divergence.
  const cut = steps[steps.length - 1];
  const partial = await sample(problem, { ...opts, steps: cut });
  const early = status.filter((s) => s >= 0 && s < cut).length;
  t.is(partial.summary.diagnostics.divergence.diverged, early);
  for (let c = 0; c < 64; c++) t.is(partial.status[c], status[c] >= 0 && status[c] < cut ? status[c] : -1);
});

test("divergence: 'error' rejects with E_DIVERGED naming the first chain and step", async (t) => {
  const L = curvature(problem).L;
  const err = await t.throwsAsync(sample(problem, { chains: 16, seed: 9, chainOffset: 7, steps: 200, stepSize: 50 / L, divergence: 'error', device: 'cpu' }), { instanceOf: LangevinError });
  t.is(err?.code, 'E_DIVERGED');
  t.regex(err!.message, /16 of 16 chains diverged \(first: chain 7 at step \d+\)/);
  // A stable run with divergence: 'error' resolves.
  const ok = await sample(problem, { chains: 16, steps: 100, divergence: 'error', device: 'cpu' });
  t.is(ok.summary.diagnostics.divergence.diverged, 0);
});

// --- (b) cancellation -----------------------------------------------------------------------------

// Serial, like every timing below: concurrent tests of this file would otherwise hold the main
// thread and the libuv pool while the latency is measured.
test.serial('cancellation: an abort 50 ms into a long run rejects with E_ABORTED within 1 s', async (t) => {
  const ac = new AbortController();
  let abortedAt = 0;
  ac.signal.addEventListener('abort', () => (abortedAt = performance.now()));
  setTimeout(() => ac.abort(new Error('client went away')), 50);
  const start = performance.now();
  const err = await t.throwsAsync(sample(problem, { chains: 1000, steps: 200_000, signal: ac.signal, device: 'cpu' }), { instanceOf: LangevinError });
  const latency = performance.now() - abortedAt;
  t.is(err?.code, 'E_ABORTED');
  t.regex(err!.message, /client went away/);
  t.true(abortedAt > 0 && latency < 1000, `rejected ${latency.toFixed(0)} ms after the abort`);
  t.log(`abort → rejection: ${latency.toFixed(1)} ms (run had been going ${(abortedAt - start).toFixed(0)} ms; uncancelled it would take minutes)`);
  // The process is fine afterwards.
  t.true((await sample(problem, { chains: 10, steps: 10, device: 'cpu' })).samples.every(Number.isFinite));
});

test.serial('cancellation: an abort during a multi-phase run starts no further phase', async (t) => {
  resetCalls();
  const ac = new AbortController();
  const err = await t.throwsAsync(
    sample(problem, { sampler: 'xgp', xgp: { stageTime: 200, reweight: false }, chains: 200, signal: ac.signal, device: 'cpu', onProgress: () => ac.abort() }),
    { instanceOf: LangevinError },
  );
  t.is(err?.code, 'E_ABORTED');
  t.is(calls.runPhase, 1, 'only the first of 13 stages ran');
});

test.serial('cancellation: an already-aborted signal rejects at once without running a phase', async (t) => {
  resetCalls();
  const ac = new AbortController();
  ac.abort();
  const start = performance.now();
  const err = await t.throwsAsync(sample(problem, { chains: 100, steps: 1_000_000, signal: ac.signal, device: 'cpu' }), { instanceOf: LangevinError });
  const ms = performance.now() - start;
  t.is(err?.code, 'E_ABORTED');
  t.is(calls.runPhase, 0);
  t.true(ms < 1000, `${ms.toFixed(0)} ms`);
  t.log(`rejected in ${ms.toFixed(1)} ms; native draws before the abort was noticed: ${calls.draw}`);
});

// Fixed gap: sample() used to draw the initial states before noticing an aborted signal.
test.serial('cancellation: an already-aborted signal does no native work at all', async (t) => {
  resetCalls();
  const ac = new AbortController();
  ac.abort();
  await t.throwsAsync(sample(problem, { chains: 100, steps: 10, signal: ac.signal, device: 'cpu' }), { instanceOf: LangevinError });
  t.deepEqual(calls, { runPhase: 0, draw: 0 });
});

test('cancellation: SIGINT to `langevin sample` exits 130 promptly and leaves no output or temporary file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'langevin-sigint-'));
  try {
    const file = join(dir, 'problem.json');
    writeFileSync(file, JSON.stringify(randomProblem({ seed: 3, d: 2, m: 1, K: 2, kind: 'isotropic', noiseStd: 0.2 })));
    const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
    // 1000 chains × 2·10⁶ steps: minutes of work (10⁷ steps would also hold ~800 MB of schedule).
    const child = spawn(process.execPath, [cli, 'sample', file, '--steps', '2000000', '--out', join(dir, 'X.npy')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // SIGINT only cancels once the CLI has its handler, installed just before sample() loads the
    // addon: wait for langevin.node in the child's mappings (a slow start under load would otherwise
    // get node's default SIGINT action), then let it run for a second.
    const loaded = Date.now() + 20_000;
    while (Date.now() < loaded && !addonMapped(child.pid!)) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    const sent = performance.now();
    child.kill('SIGINT');
    const { code, signal } = await exited;
    const latency = performance.now() - sent;
    t.is(signal, null);
    t.is(code, 130, stderr);
    t.regex(stderr, /^langevin: E_ABORTED: .*SIGINT/m);
    t.notRegex(stderr, /\n\s+at /, 'no stack trace');
    t.deepEqual(readdirSync(dir), ['problem.json'], 'no X.npy, no temporary file');
    t.true(latency < 3000, `exit ${latency.toFixed(0)} ms after SIGINT`);
    t.log(`SIGINT → exit: ${latency.toFixed(0)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// --- (c) memory -------------------------------------------------------------------------------------

test.serial('E_OOM: 2^24 chains × 1000 dims is refused before anything is allocated', async (t) => {
  const d = 1000;
  const big = parseProblem({ prior: { type: 'gaussian', mean: new Array(d).fill(0), covariance: { type: 'isotropic', variances: [1] } } });
  const need = estimateBytes(big, MAX_CHAINS).host;
  t.true(need > freemem(), `estimate ${need} B exceeds free memory`);
  resetCalls();
  const rss = process.memoryUsage().rss;
  const start = performance.now();
  const err = await t.throwsAsync(sample(big, { chains: MAX_CHAINS, device: 'cpu' }), { instanceOf: LangevinError });
  const ms = performance.now() - start;
  const grew = process.memoryUsage().rss - rss;
  t.is(err?.code, 'E_OOM');
  t.regex(err!.message, /GiB|MiB/);
  t.regex(err!.message, /chainOffset/);
  t.deepEqual(calls, { runPhase: 0, draw: 0 });
  t.true(ms < 500, `refused in ${ms.toFixed(1)} ms`);
  t.true(grew < 32 * 2 ** 20, `RSS grew by ${(grew / 2 ** 20).toFixed(1)} MiB`);
  t.log(`E_OOM in ${ms.toFixed(1)} ms for ${(need / 2 ** 30).toFixed(0)} GiB estimated; RSS +${(grew / 2 ** 20).toFixed(1)} MiB`);
  // One chain over the limit is an input error, not a memory one.
  const over = await t.throwsAsync(sample(big, { chains: MAX_CHAINS + 1, device: 'cpu' }), { instanceOf: LangevinError });
  t.is(over?.code, 'E_VALUE');
  t.is(over?.field, 'options.chains');
});

// --- (d) properties -------------------------------------------------------------------------------

const KEYS = ['sampler', 'chains', 'seed', 'chainOffset', 'device', 'threads', 'steps', 'stepSize', 'accuracy', 'init', 'divergence', 'signal', 'onProgress', 'draws', 'thin', 'almc', 'xgp', 'dalmc'];
type Bad = { opts: unknown; field: string };

const notNumber = fc.oneof(fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1, maxKeys: 2 }), fc.bigInt({ min: -5n, max: 5n }));
const nonFinite = fc.constantFrom(NaN, Infinity, -Infinity);
const nonInteger = fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x));
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1, maxKeys: 2 }));
/** Values an integer field in [min, max] must refuse. */
const badInt = (min: number, max: number) =>
  fc.oneof(notNumber, nonFinite, nonInteger, fc.integer({ min: -1e9, max: min - 1 }), fc.integer({ min: 0, max: 2 ** 30 }).map((k) => max + 1 + k * 1024), fc.constant(1e300));
/** Values a positive finite field (optionally ≤ max) must refuse. */
const badPositive = (max = Infinity) =>
  fc.oneof(notNumber, nonFinite, fc.double({ max: 0, noNaN: true }), ...(max < Infinity ? [fc.double({ min: max * (1 + 1e-9), noNaN: true, noDefaultInfinity: true })] : []));
const badChoice = (allowed: string[]) => fc.oneof(fc.string({ maxLength: 8 }).filter((s) => !allowed.includes(s)), notString);
const at = (field: string, opts: Record<string, unknown>): Bad => ({ opts, field });

const badTopLevel: fc.Arbitrary<Bad> = fc.oneof(
  // unknown keys, typos included
  fc.tuple(fc.oneof(fc.constantFrom('chain', 'Chains', 'stepsize', 'step_size', 'noiseStd', 'samplers', 'devices', 'signals', 'kappa'), fc.string({ minLength: 1, maxLength: 10 })).filter((k) => !KEYS.includes(k)), fc.anything()).map(([k, v]) => at(`options.${k}`, { [k]: v })),
  badInt(1, MAX_CHAINS).map((v) => at('options.chains', { chains: v })),
  badInt(0, 100_000_000).map((v) => at('options.steps', { steps: v })),
  badInt(1, 1024).map((v) => at('options.threads', { threads: v })),
  badInt(0, 2 ** 32 - MAX_CHAINS).map((v) => at('options.chainOffset', { chainOffset: v })),
  badInt(0, 100_000).map((v) => at('options.draws', { draws: v })),
  badInt(1, 1_000_000).map((v) => at('options.thin', { thin: v })),
  fc.oneof(fc.integer({ max: -1 }), nonInteger, nonFinite, fc.constant(2 ** 53 + 2), fc.bigInt({ max: -1n }), fc.bigInt({ min: 1n << 64n, max: 1n << 70n }), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1, maxKeys: 1 })).map((v) => at('options.seed', { seed: v })),
  badPositive().map((v) => at('options.stepSize', { stepSize: v })),
  badPositive(1).map((v) => at('options.accuracy', { accuracy: v })),
  // null means "default" for these four (see RELIABILITY.md), so only non-null junk here.
  badChoice([...SAMPLER_NAMES]).map((v) => at('options.sampler', { sampler: v })),
  badChoice(['auto', 'cpu', 'cuda']).map((v) => at('options.device', { device: v })),
  badChoice(['report', 'error']).map((v) => at('options.divergence', { divergence: v })),
  fc.oneof(badChoice(['prior', 'gaussian', 'zeros']), fc.constant(new Float64Array(8)), fc.integer({ min: 0, max: 20 }).filter((n) => n !== 8).map((n) => new Float32Array(n))).map((v) => at('options.init', { chains: 4, init: v })),
  fc.tuple(fc.nat(7), nonFinite).map(([i, x]) => at('options.init', { chains: 4, init: new Float32Array(8).fill(0.5).fill(x, i, i + 1) })),
  fc.oneof(notString, fc.string(), fc.constant(null), fc.constant({ aborted: false, addEventListener() {} })).map((v) => at('options.signal', { signal: v })),
  fc.oneof(notString, fc.string(), fc.constant(null)).map((v) => at('options.onProgress', { onProgress: v })),
);

const samplerChecks: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  almc: { warmStartSteps: badInt(0, 100_000_000), warmStartStepSize: badPositive(), kappa: badPositive(), stepSize: badPositive(), t0: badPositive(), tau: badPositive() },
  xgp: {
    etas: fc.oneof(notNumber.filter((v) => !Array.isArray(v)), fc.constant([]), fc.array(fc.oneof(nonFinite, fc.double({ max: 0, noNaN: true })), { minLength: 1, maxLength: 3 }).map((a) => [1, ...a])),
    eta1: badPositive(),
    stageTime: badPositive(),
    x0: fc.oneof(fc.constant([]), fc.constant('x'), fc.array(fc.oneof(nonFinite, fc.string({ maxLength: 2 })), { minLength: 1, maxLength: 3 })),
    x0Std: badPositive(),
    radius: badPositive(),
    confidence: badPositive(1),
  },
  dalmc: {
    schedule: badChoice(['sin2', 'cosine', 'ou']),
    base: badChoice(['gaussian', 'student-t']),
    dof: badInt(1, 200),
    kappa: badPositive(),
    ouHorizon: badPositive(),
    likelihood: fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), fc.object({ maxDepth: 1, maxKeys: 1 })),
  },
};
const samplerWithOptions = fc.constantFrom('almc', 'xgp', 'dalmc');
const badSamplerOptions: fc.Arbitrary<Bad> = fc.oneof(
  // a known option with a bad value
  samplerWithOptions.chain((s) => fc.constantFrom(...Object.keys(samplerChecks[s])).chain((k) => samplerChecks[s][k].map((v) => at(`options.${s}.${k}`, { sampler: s, [s]: { [k]: v } })))),
  // an unknown option (e.g. almc: { kapa: 1 })
  fc.tuple(samplerWithOptions, fc.string({ minLength: 1, maxLength: 8 }), fc.anything()).filter(([s, k]) => !(k in samplerChecks[s]) && !(k in Object.prototype) && k !== '__proto__').map(([s, k, v]) => at(`options.${s}.${k}`, { sampler: s, [s]: { [k]: v } })),
  // not an object
  fc.tuple(samplerWithOptions, fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }))).map(([s, v]) => at(`options.${s}`, { sampler: s, [s]: v })),
  // options of another sampler than the one chosen
  fc.tuple(fc.constantFrom(...SAMPLER_NAMES), samplerWithOptions).filter(([a, b]) => a !== b).map(([a, b]) => at(`options.${b}`, { sampler: a, [b]: {} })),
);
const notAnObject: fc.Arbitrary<Bad> = fc.oneof(fc.integer(), fc.string({ minLength: 1 }), fc.boolean(), fc.array(fc.anything(), { maxLength: 2 })).map((v) => ({ opts: v, field: 'options' }));
const validBase = fc.record(
  { chains: fc.integer({ min: 1, max: 8 }), seed: fc.nat(), steps: fc.integer({ min: 0, max: 5 }), threads: fc.integer({ min: 1, max: 4 }), accuracy: fc.double({ min: 0.05, max: 0.5, noNaN: true }), divergence: fc.constantFrom('report', 'error') },
  { requiredKeys: [] },
);

test.serial('property: malformed options reject with a typed error naming the field, before any native work', async (t) => {
  const raw = randomProblem({ seed: 5, d: 2, m: 1, K: 2, kind: 'isotropic', noiseStd: 0.5 });
  const p = parseProblem(raw);
  let runs = 0;
  const codes: Record<string, number> = {};
  const prop = fc.asyncProperty(validBase, fc.oneof({ weight: 4, arbitrary: badTopLevel }, { weight: 3, arbitrary: badSamplerOptions }, { weight: 1, arbitrary: notAnObject }), async (base, bad) => {
    runs++;
    const opts = bad.field === 'options' ? bad.opts : { device: 'cpu', ...base, ...(bad.opts as object) };
    resetCalls();
    try {
      await sample(p, opts as SampleOptions);
    } catch (err) {
      if (!(err instanceof LangevinError)) throw new Error(`not a LangevinError: ${(err as Error)?.stack ?? String(err)}`);
      if (!INPUT_CODES.has(err.code)) throw new Error(`code ${err.code}: ${err.message}`);
      if (err.field === undefined || !err.field.startsWith(bad.field)) throw new Error(`field ${err.field}, expected ${bad.field}: ${err.message}`);
      if (!err.message.startsWith(`${err.field}: `)) throw new Error(`message does not start with the field: ${err.message}`);
      if (calls.runPhase + calls.draw > 0) throw new Error(`native work before the refusal: ${JSON.stringify(calls)}`);
      codes[err.code] = (codes[err.code] ?? 0) + 1;
      return;
    }
    throw new Error(`accepted ${bad.field}`);
  });
  await fc.assert(prop, { seed: 42, numRuns: 600 });
  t.true(runs >= 600);
  t.log(`refusals by code: ${JSON.stringify(codes)}`);
});

// Sampler option keys named like Object.prototype members must not find a "check" on the prototype.
test('options: sampler options named like Object.prototype members are refused', async (t) => {
  for (const k of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    const err = await t.throwsAsync(sample(problem, { sampler: 'almc', steps: 5, almc: { [k]: 1 }, device: 'cpu' }), { instanceOf: LangevinError }, k);
    t.is(err?.code, 'E_OPTION', k);
    t.is(err?.field, `options.almc.${k}`, k);
  }
});

// Short runs: the plain annealed samplers with their own length options, or the reweighted ones
// (the default) with 2 moves per level on islands of 64 chains.
const short = (sampler: string, reweight: boolean): SampleOptions =>
  sampler === 'lmc'
    ? { sampler: 'lmc', steps: 50 }
    : reweight
      ? { sampler: sampler as 'almc' | 'xgp' | 'dalmc', steps: 2, population: 64 }
      : sampler === 'xgp'
        ? { sampler: 'xgp', xgp: { stageTime: 0.05, reweight: false } }
        : sampler === 'almc'
          ? { sampler: 'almc', steps: 50, almc: { warmStartSteps: 20, reweight: false } }
          : { sampler: 'dalmc', steps: 50, dalmc: { reweight: false } };

test('property: valid random small problems sample with every sampler, finite and undiverged', async (t) => {
  const counts: Record<string, number> = { lmc: 0, almc: 0, xgp: 0, dalmc: 0 };
  const prop = fc.asyncProperty(
    fc.record({
      seed: fc.nat(1_000_000),
      d: fc.integer({ min: 1, max: 4 }),
      m: fc.integer({ min: 1, max: 4 }),
      K: fc.integer({ min: 1, max: 3 }),
      kind: fc.constantFrom<Kind>('isotropic', 'diagonal', 'full'),
      operator: fc.constantFrom('dense', 'identity', 'mask', 'none'),
      noiseStd: fc.double({ min: 0.05, max: 2, noNaN: true }),
      spread: fc.double({ min: 0, max: 3, noNaN: true }),
      sampler: fc.constantFrom(...SAMPLER_NAMES),
      chains: fc.integer({ min: 1, max: 16 }),
      sampleSeed: fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
      chainOffset: fc.integer({ min: 0, max: 1_000_000 }),
      threads: fc.integer({ min: 1, max: 3 }),
      init: fc.constantFrom(undefined, 'prior', 'gaussian', 'zeros'),
      accuracy: fc.double({ min: 0.02, max: 0.5, noNaN: true }),
      draws: fc.integer({ min: 0, max: 2 }),
      reweight: fc.boolean(),
    }),
    async (c) => {
      const raw = randomProblem({ seed: c.seed, d: c.d, m: c.m, K: c.K, kind: c.kind, noiseStd: c.noiseStd, spread: c.spread, operator: c.operator === 'none' ? 'dense' : c.operator });
      if (c.operator === 'none') delete raw.likelihood;
      const p = parseProblem(raw);
      // The reweighted samplers start from their path's exact start: no init there.
      const reweight = c.reweight && c.init === undefined;
      const opts: SampleOptions = {
        ...short(c.sampler, reweight),
        chains: c.chains,
        seed: c.sampleSeed,
        chainOffset: c.chainOffset,
        threads: c.threads,
        init: c.init as SampleOptions['init'],
        accuracy: c.accuracy,
        draws: c.draws,
        thin: 2,
        divergence: 'error',
        device: 'cpu',
      };
      if (c.sampler === 'xgp' && c.operator === 'none') {
        // XGP needs a likelihood: a typed refusal, not a crash.
        await sample(p, opts).then(
          () => Promise.reject(new Error('xgp without likelihood resolved')),
          (err: unknown) => {
            if (!(err instanceof LangevinError) || err.code !== 'E_OPTION') throw err;
          },
        );
        return;
      }
      const r = await sample(p, opts);
      counts[c.sampler]++;
      if (r.samples.length !== c.chains * c.d || r.shape[0] !== c.chains || r.shape[1] !== c.d) throw new Error(`shape ${r.shape}`);
      if (!r.samples.every(Number.isFinite)) throw new Error('non-finite sample');
      if (!r.status.every((s) => s === -1) || r.summary.diagnostics.divergence.diverged !== 0) throw new Error('diverged');
    },
  );
  await fc.assert(prop, { seed: 42, numRuns: 80 });
  t.log(`runs per sampler: ${JSON.stringify(counts)}`);
  for (const s of SAMPLER_NAMES) t.true(counts[s] > 0, s);
});

test('property: malformed CLI flags exit 2 with one line and no stack trace', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'langevin-flags-'));
  const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
  const file = join(dir, 'problem.json');
  writeFileSync(file, JSON.stringify(randomProblem({ seed: 3, d: 2, m: 1, K: 1, kind: 'isotropic', noiseStd: 0.5 })));
  const junkInt = fc.constantFrom('-1', '1.5', 'abc', '1e3', '0x10', 'NaN', 'Infinity', '', ' ', '99999999999999999999');
  const junkNum = fc.constantFrom('abc', 'NaN', 'Infinity', '-1', '0', '', '1e999', '--');
  const flag: fc.Arbitrary<readonly string[]> = fc.oneof(
    fc.tuple(fc.constantFrom('--chains', '--steps', '--threads', '--chain-offset', '--draws', '--thin'), junkInt).map(([f, v]) => [f, v]),
    fc.tuple(fc.constantFrom('--step-size', '--accuracy'), junkNum).map(([f, v]) => [f, v]),
    fc.tuple(fc.constantFrom('--sampler', '--device', '--divergence'), fc.constantFrom('LMC', 'gpu', 'warn', 'x', '')).map(([f, v]) => [f, v]),
    fc.constantFrom(['--seed', '-5'], ['--seed', '1.5'], ['--seed', '18446744073709551616'], ['--chainz', '5'], ['--sampler', 'almc', '--set', 'kappa=-1'], ['--sampler', 'dalmc', '--set', 'schedule=linear'], ['--set', 'noequals'], ['--sampler', 'lmc', '--set', 'kappa=1']),
  );
  try {
    await fc.assert(
      fc.asyncProperty(flag, async (args) => {
        const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [cli, 'sample', file, '--steps', '5', '--chains', '4', ...args, '--out', join(dir, 'out.npy')], { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr.on('data', (b) => (err += b));
          child.on('exit', (c) => resolve({ code: c, stderr: err }));
        });
        if (code !== 2) throw new Error(`exit ${code} for ${args.join(' ')}: ${stderr}`);
        if (/\n\s+at /.test(stderr) || stderr.trim().length === 0) throw new Error(`stderr for ${args.join(' ')}: ${stderr}`);
        if (readdirSync(dir).length !== 1) throw new Error(`files left: ${readdirSync(dir)}`);
      }),
      { seed: 42, numRuns: 16 },
    );
    t.pass();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
