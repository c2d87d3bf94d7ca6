// SPDX-License-Identifier: MIT
// The native code's workout under AddressSanitizer + UndefinedBehaviorSanitizer (scripts/sanitize.sh).
// A plain node script, not an ava file: it runs in one process with libasan preloaded, touches every
// native path once (each sampler × prior kind × operator, odd sizes that end mid-block and mid-Philox
// quad, divergence, cancellation, convergence draws, concurrent runs, malformed native jobs) and
// exits non-zero on the first wrong result. The sanitizers abort the process on their own findings.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { LangevinError } from '../../lib/errors.js';
import { native } from '../../lib/engine/native.js';
import type { NativePhaseJob } from '../../lib/engine/nativeTypes.js';
import { parseProblem } from '../../lib/problem/index.js';
import { parseOperator } from '../../lib/problem/parseOperator.js';
import { operatorRows } from '../../lib/types.js';
import { sample } from '../../lib/index.js';
import type { SampleOptions } from '../../lib/options.js';
import type { Problem } from '../../lib/types.js';
import { randomProblem, type Kind } from '../helpers/problems.js';

let checks = 0;
function check(ok: boolean, what: string): void {
  checks++;
  if (!ok) throw new Error(`sanitize suite: ${what}`);
}
function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
async function rejectsWith(p: Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    check(err instanceof LangevinError && err.code === code, `${what}: expected ${code}, got ${(err as Error).message}`);
    return;
  }
  check(false, `${what}: resolved, expected ${code}`);
}

const kinds: Kind[] = ['isotropic', 'diagonal', 'full'];
const operators = ['dense', 'identity', 'mask', 'none'] as const;
const problemOf = (seed: number, d: number, K: number, kind: Kind, operator: (typeof operators)[number]): Problem => {
  const raw = randomProblem({ seed, d, m: Math.max(1, d - 2), K, kind, noiseStd: 0.4, operator: operator === 'none' ? 'dense' : operator });
  if (operator === 'none') delete raw.likelihood;
  return parseProblem(raw);
};
// Short runs for every sampler, plain (XGP ignores `steps`: its stage time is shortened instead).
const short = (sampler: string): SampleOptions =>
  sampler === 'xgp'
    ? { sampler: 'xgp', xgp: { stageTime: 0.02, reweight: false } }
    : sampler === 'almc'
      ? { sampler: 'almc', steps: 20, almc: { warmStartSteps: 10, reweight: false } }
      : sampler === 'dalmc'
        ? { sampler: 'dalmc', steps: 20, dalmc: { reweight: false } }
        : { sampler: 'lmc', steps: 20 };

async function main(): Promise<void> {
  const t0 = performance.now();
  const maps = readFileSync('/proc/self/maps', 'utf8');
  const info = native().buildInfo();
  const loaded = readFileSync('/proc/self/maps', 'utf8').split('\n').find((l) => l.endsWith('langevin.node'))?.split(/\s+/).pop();
  process.stdout.write(`addon: ${loaded ?? '?'} (cuda: ${info.cuda}, cpu threads: ${info.cpuThreads}); asan runtime: ${/libasan/.test(maps) ? 'loaded' : 'absent'}\n`);

  // 1. Every sampler × prior kind × operator, d = 5 (one full Philox quad and a tail of 1), 37 chains
  //    (a 32-chain block and a partial one), 3 threads (uneven chain ranges).
  let runs = 0;
  for (const sampler of ['lmc', 'almc', 'xgp', 'dalmc']) {
    for (const kind of kinds) {
      for (const op of operators) {
        if (sampler === 'xgp' && op === 'none') continue; // XGP needs a likelihood
        const p = problemOf(runs + 1, 5, 2, kind, op);
        const r = await sample(p, { ...short(sampler), chains: 37, seed: runs, threads: 3, device: 'cpu' });
        check(r.samples.length === 37 * 5 && allFinite(r.samples), `${sampler}/${kind}/${op}: finite samples`);
        check(r.summary.diagnostics.divergence.diverged === 0, `${sampler}/${kind}/${op}: no divergence`);
        runs++;
      }
    }
  }
  // The reweighted samplers: native log-densities, preconditioned MALA moves, per-island extra
  // moves, on islands of 16 chains (a partial CPU block), 2 moves per level.
  for (const sampler of ['almc', 'xgp', 'dalmc'] as const) {
    for (const kind of kinds) {
      for (const op of operators) {
        if (sampler === 'xgp' && op === 'none') continue;
        const p = problemOf(runs + 1, 5, 2, kind, op);
        const r = await sample(p, { sampler, steps: 2, population: 16, chains: 37, chainOffset: 5, seed: runs, threads: 3, device: 'cpu' });
        check(r.samples.length === 37 * 5 && allFinite(r.samples), `reweighted ${sampler}/${kind}/${op}: finite samples`);
        runs++;
      }
    }
  }
  {
    // A patch prior, reweighted on request (no preconditioner: plain MALA on an image).
    const gmm = { type: 'gmm', weights: [0.5, 0.5], means: [[0, 0, 0, 0], [1, 1, 1, 1]], covariance: { type: 'diagonal', variances: [[0.2, 0.3, 0.2, 0.3], [0.3, 0.2, 0.3, 0.2]] } };
    const p = parseProblem({ prior: { type: 'patch-gmm', shape: [5, 3], patch: 2, stride: 1, gmm }, likelihood: { operator: { type: 'blur', kernel: [[0.25, 0.5, 0.25]], shape: [5, 3] }, y: new Array(15).fill(0.5), noiseStd: 0.3 } });
    const r = await sample(p, { sampler: 'dalmc', dalmc: { reweight: true }, steps: 2, population: 16, chains: 20, seed: 3, device: 'cpu' });
    check(allFinite(r.samples), 'reweighted patch prior: finite samples');
    runs++;
  }
  // d = 1 and d = 4 (exact quads), a single chain, a Gaussian prior, user initial states, offsets.
  for (const d of [1, 4]) {
    const p = problemOf(100 + d, d, 1, 'full', 'dense');
    const r = await sample(p, { chains: 1, steps: 30, seed: 5n, chainOffset: 1000, threads: 4, device: 'cpu' });
    check(allFinite(r.samples), `d=${d}: finite`);
    const init = new Float32Array(3 * d).map((_, i) => i / 7);
    const u = await sample(p, { chains: 3, steps: 30, init, device: 'cpu' });
    check(allFinite(u.samples), `d=${d}: user init`);
    runs += 2;
  }
  const gaussian = parseProblem({ prior: { type: 'gaussian', mean: [1, 2, 3], covariance: { type: 'full', matrices: [[[2, 0.3, 0], [0.3, 1, 0.1], [0, 0.1, 0.5]]] } } });
  check(allFinite((await sample(gaussian, { chains: 9, steps: 40, init: 'zeros', device: 'cpu' })).samples), 'gaussian prior');
  runs++;

  // Imaging operators on a 2 × 4 × 6 image (d = 48): those the parser knows are run; the others
  // are reported as skipped, so the suite follows the operators as they land.
  {
    const shape = [2, 4, 6];
    const d = 48;
    const blur = { type: 'blur', kernel: [[0.05, 0.1, 0.05], [0.1, 0.4, 0.1], [0.05, 0.1, 0.05]], shape };
    const imaging: [string, Record<string, unknown>][] = [
      ['blur', blur],
      ['downsample', { type: 'downsample', factor: 2, shape }],
      ['fourier', { type: 'fourier', samples: [0, 1, 5, 7, 13, 23], shape }],
      ['compose', { type: 'compose', operators: [blur, { type: 'downsample', factor: 2, shape }] }],
    ];
    const r = (i: number) => Math.sin(12.9898 * i) * 0.5;
    const skipped: string[] = [];
    for (const [name, operator] of imaging) {
      let rows: number;
      try {
        rows = operatorRows(parseOperator('likelihood.operator', operator, d));
      } catch (err) {
        skipped.push(`${name} (${(err as Error).message.slice(0, 60)})`);
        continue;
      }
      const p = parseProblem({
        prior: { type: 'gmm', weights: [0.4, 0.6], means: [Array.from({ length: d }, (_, i) => r(i)), Array.from({ length: d }, (_, i) => r(i + d))], covariance: { type: 'diagonal', variances: [Array.from({ length: d }, (_, i) => 0.5 + Math.abs(r(2 * d + i))), Array.from({ length: d }, (_, i) => 0.5 + Math.abs(r(3 * d + i)))] } },
        likelihood: { operator, y: Array.from({ length: rows }, (_, i) => r(5 * d + i)), noiseStd: 0.2 },
      });
      for (const sampler of ['lmc', 'dalmc', 'xgp']) {
        const out = await sample(p, { ...short(sampler), chains: 37, seed: 3, threads: 3, device: 'cpu' });
        check(out.samples.length === 37 * d && allFinite(out.samples) && out.summary.diagnostics.divergence.diverged === 0, `${name}/${sampler}: finite, undiverged`);
        runs++;
      }
    }
    if (skipped.length > 0) process.stdout.write(`imaging operators skipped (not parsed): ${skipped.join('; ')}\n`);
  }

  // 2. Convergence draws (extra phases on the final target) with progress callbacks.
  {
    let reports = 0;
    const r = await sample(problemOf(7, 3, 3, 'diagonal', 'dense'), { chains: 40, steps: 50, draws: 4, thin: 3, device: 'cpu', onProgress: () => reports++ });
    check(r.summary.diagnostics.convergence?.draws === 4 && reports > 0, 'draws and progress');
    runs++;
  }

  // 3. Divergence: a step 50× beyond stability; frozen chains keep finite states and a step index.
  {
    const p = problemOf(11, 3, 2, 'isotropic', 'dense');
    const r = await sample(p, { chains: 33, steps: 200, stepSize: 100, seed: 3, device: 'cpu' });
    check(r.summary.diagnostics.divergence.diverged > 0, 'divergence: some chains diverge');
    check(allFinite(r.samples), 'divergence: frozen samples are finite');
    check(r.status.every((s) => s >= -1 && s < 200), 'divergence: status in range');
    await rejectsWith(sample(p, { chains: 33, steps: 200, stepSize: 100, divergence: 'error', device: 'cpu' }), 'E_DIVERGED', 'divergence: error mode');
    runs += 2;
  }

  // 4. Cancellation mid-phase (the worker is destroyed with its job and progress queue still live),
  //    with and without progress callbacks, and a signal aborted before the call.
  for (const withProgress of [false, true]) {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    await rejectsWith(
      sample(problemOf(13, 4, 2, 'full', 'mask'), { chains: 200, steps: 1_000_000, signal: ac.signal, device: 'cpu', ...(withProgress ? { onProgress: () => {} } : {}) }),
      'E_ABORTED',
      `cancel (progress: ${withProgress})`,
    );
    runs++;
  }
  {
    const ac = new AbortController();
    ac.abort();
    await rejectsWith(sample(problemOf(14, 2, 1, 'isotropic', 'identity'), { chains: 4, steps: 10, signal: ac.signal, device: 'cpu' }), 'E_ABORTED', 'pre-aborted');
  }

  // 5. Concurrent runs sharing nothing but the addon: same results as one by one.
  {
    const p = problemOf(17, 6, 3, 'full', 'dense');
    const opts = (seed: number): SampleOptions => ({ sampler: (['lmc', 'almc', 'xgp', 'dalmc'] as const)[seed % 4], ...short((['lmc', 'almc', 'xgp', 'dalmc'] as const)[seed % 4]), chains: 50, seed, device: 'cpu' });
    const together = await Promise.all([0, 1, 2, 3, 4, 5].map((s) => sample(p, opts(s))));
    for (let s = 0; s < 6; s++) {
      const alone = await sample(p, opts(s));
      check(Buffer.compare(Buffer.from(alone.samples.buffer), Buffer.from(together[s].samples.buffer)) === 0, `concurrent run ${s} = sequential run`);
    }
    runs += 12;
  }

  // 6. The addon in three environments at once: two worker threads and the main thread.
  {
    const raw = randomProblem({ seed: 19, d: 3, m: 2, K: 2, kind: 'diagonal', noiseStd: 0.3 });
    const opts: SampleOptions = { chains: 70, steps: 200, seed: 4, device: 'cpu', onProgress: undefined };
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.url).then(async ({ sample, parseProblem }) => {
        const r = await sample(parseProblem(workerData.raw), { ...workerData.opts, onProgress: () => {} });
        parentPort.postMessage(r.samples);
      }).catch((e) => parentPort.postMessage(String(e && e.stack || e)));`;
    const url = new URL('../../lib/index.js', import.meta.url).href;
    const inWorker = () =>
      new Promise<Float32Array>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { url, raw, opts: { ...opts, onProgress: undefined } } });
        w.once('message', (m: Float32Array | string) => (typeof m === 'string' ? reject(new Error(m)) : resolve(m)));
        w.once('error', reject);
      });
    const [a, b, main] = await Promise.all([inWorker(), inWorker(), sample(parseProblem(raw), opts)]);
    check(Buffer.compare(Buffer.from(a.buffer), Buffer.from(main.samples.buffer)) === 0 && Buffer.compare(Buffer.from(b.buffer), Buffer.from(main.samples.buffer)) === 0, 'worker threads = main thread');
    runs += 3;
  }

  // 7. Malformed native jobs are refused by the marshalling code before any kernel reads them.
  {
    const good: NativePhaseJob = {
      device: 'cpu', threads: 2, covKind: 0, components: 1, dim: 3, chains: 2,
      logWeights: Float32Array.of(0), means: new Float32Array(3), variances: Float32Array.of(1),
      opKind: 3, measurements: 2, matrix: new Float32Array(6).fill(0.5), y: Float32Array.of(1, -1), yPerChain: false,
      h: Float64Array.of(0.01, 0.01), a: Float64Array.of(1, 1), b2: Float64Array.of(0, 0), c: Float64Array.of(1, 1),
      stepOffset: 0, seed: 1n, stream: 0, chainOffset: 0, x: new Float32Array(6),
    };
    const ok = await native().runPhase(good).promise;
    check(ok.x.length === 6 && allFinite(ok.x), 'native: good job');
    const bad: [string, Partial<Record<keyof NativePhaseJob, unknown>>][] = [
      ['short x', { x: new Float32Array(5) }],
      ['short means', { means: new Float32Array(2) }],
      ['short matrix', { matrix: new Float32Array(5) }],
      ['negative measurements', { measurements: -1 }],
      ['huge measurements', { measurements: 2 ** 31 }],
      ['mask index out of range', { opKind: 2, measurements: 2, indices: Int32Array.of(0, 3) }],
      ['wrong array type', { h: [0.01, 0.01] }],
      ['schedule length mismatch', { a: Float64Array.of(1) }],
      ['NaN step', { h: Float64Array.of(0.01, NaN) }],
      ['degenerate level', { a: Float64Array.of(0, 0) }],
      ['per-chain y too short', { yPerChain: true }],
      ['short status', { status: new Int32Array(1) }],
      ['zero chains', { chains: 0, x: new Float32Array(0) }],
      ['seed not a bigint', { seed: 1 }],
      ['seed beyond 64 bits', { seed: 1n << 64n }],
      ['non-finite dim', { dim: Infinity }],
      ['unknown device', { device: 'tpu' }],
    ];
    for (const [what, patch] of bad) {
      let refused = false;
      try {
        await native().runPhase({ ...good, ...patch } as NativePhaseJob).promise;
      } catch {
        refused = true;
      }
      check(refused, `native: ${what} is refused`);
    }
    let drawRefused = false;
    try {
      await native().draw({ seed: 1n, stream: 0, step: 0, chainOffset: 0, chains: 0, n: 3, uniform: false, device: 'cpu' });
    } catch {
      drawRefused = true;
    }
    check(drawRefused, 'native: draw of 0 chains is refused');
    const u = await native().draw({ seed: 2n, stream: 1, step: 3, chainOffset: 7, chains: 5, n: 7, uniform: true, device: 'cpu' });
    check(u.length === 35 && u.every((v) => v > 0 && v < 1), 'native: uniforms in (0, 1)');
  }

  process.stdout.write(`sanitize suite: ${runs} sample() runs, ${checks} checks passed in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
