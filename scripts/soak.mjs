#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Soak test: thousands of short sample() runs in one process, every 10th cancelled mid-run through
// its AbortSignal, random samplers. Prints RSS and heap at the start, after the warm-up and at the
// end (plus a trajectory), and exits 1 if RSS grew by more than --max-growth after the warm-up, or
// on any unexpected error or non-finite sample.
//
//   node scripts/soak.mjs [--runs 3000] [--warmup 200] [--cancel-every 10] [--chains 100]
//                         [--steps 50] [--max-growth 0.2] [--json] [--no-pin]
// Needs the compiled library (npx tsc -p tsconfig.json) and the native addon.
//
// V8 grows its young generation (semi-spaces, up to 2 × 16 MiB) in steps as it sees the
// allocation rate, long after any warm-up of a few hundred runs: +25 MiB of RSS that is neither a
// leak nor ours. The script therefore re-runs itself with the young generation pinned at its
// default maximum (--min/--max-semi-space-size=16) so RSS after the warm-up measures what the
// library keeps; --no-pin measures the raw process (RELIABILITY.md has both).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { LangevinError, parseProblem, sample, SAMPLER_NAMES } from '../dist/lib/index.js';
import { SMALL_PROBLEM } from './smallProblem.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '200' },
    'cancel-every': { type: 'string', default: '10' },
    chains: { type: 'string', default: '100' },
    steps: { type: 'string', default: '50' },
    'max-growth': { type: 'string', default: '0.2' },
    json: { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
  },
});
if (!args['no-pin'] && !process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) {
  const r = spawnSync(process.execPath, ['--min-semi-space-size=16', '--max-semi-space-size=16', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const runs = Number(args.runs);
const warmup = Math.min(Number(args.warmup), runs);
const cancelEvery = Number(args['cancel-every']);
const chains = Number(args.chains);
const steps = Number(args.steps);
const maxGrowth = Number(args['max-growth']);

// A real gc() makes the RSS and heap figures comparable between checkpoints.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const problem = parseProblem(SMALL_PROBLEM);
const samplerOptions = (s) =>
  s === 'xgp' ? { xgp: { stageTime: 0.02, reweight: false } } : s === 'almc' ? { steps, almc: { warmStartSteps: Math.ceil(steps / 2), reweight: false } } : s === 'dalmc' ? { steps, dalmc: { reweight: false } } : { steps };

let state = 12345; // xorshift32: the run sequence is reproducible
const rand = () => ((state ^= state << 13), (state ^= state >>> 17), (state ^= state << 5), (state >>> 0) / 2 ** 32);

function memory() {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}
const mib = (b) => (b / 2 ** 20).toFixed(1);

const counts = { completed: 0, cancelled: 0, cancelledLate: 0, errors: 0 };
const bySampler = Object.fromEntries(SAMPLER_NAMES.map((s) => [s, 0]));
const trajectory = [];
const start = memory();
trajectory.push({ run: 0, ...start });
const t0 = performance.now();
let afterWarmup = start;

for (let i = 1; i <= runs; i++) {
  const sampler = SAMPLER_NAMES[Math.floor(rand() * SAMPLER_NAMES.length)];
  const cancel = cancelEvery > 0 && i % cancelEvery === 0;
  const ac = cancel ? new AbortController() : undefined;
  try {
    const r = await sample(problem, {
      sampler,
      chains,
      seed: i,
      device: 'cpu',
      ...samplerOptions(sampler),
      ...(ac ? { signal: ac.signal, onProgress: () => ac.abort(new Error('soak cancel')) } : {}),
    });
    if (!r.samples.every(Number.isFinite)) throw new Error(`run ${i}: non-finite samples`);
    if (cancel) counts.cancelledLate++; // the run finished before the abort landed
    else counts.completed++;
    bySampler[sampler]++;
  } catch (err) {
    if (cancel && err instanceof LangevinError && err.code === 'E_ABORTED') counts.cancelled++;
    else {
      counts.errors++;
      console.error(`run ${i} (${sampler}): ${err?.stack ?? err}`);
    }
  }
  if (i === warmup) afterWarmup = memory();
  if (i === warmup || i % 500 === 0 || i === runs) trajectory.push({ run: i, ...memory() });
}
const seconds = (performance.now() - t0) / 1000;
const end = memory();
const growth = (end.rss - afterWarmup.rss) / afterWarmup.rss;

const report = {
  node: process.version,
  cpus: cpus().length,
  youngGenerationPinned: process.execArgv.some((a) => a.startsWith('--max-semi-space-size')),
  runs,
  warmup,
  chains,
  steps,
  seconds: Number(seconds.toFixed(1)),
  runsPerSecond: Number((runs / seconds).toFixed(0)),
  counts,
  bySampler,
  rssMiB: { start: Number(mib(start.rss)), afterWarmup: Number(mib(afterWarmup.rss)), end: Number(mib(end.rss)) },
  heapUsedMiB: { start: Number(mib(start.heapUsed)), afterWarmup: Number(mib(afterWarmup.heapUsed)), end: Number(mib(end.heapUsed)) },
  rssGrowthAfterWarmup: Number((100 * growth).toFixed(1)),
  maxGrowthPercent: 100 * maxGrowth,
};
if (args.json) {
  process.stdout.write(JSON.stringify({ ...report, trajectory: trajectory.map((p) => ({ run: p.run, rssMiB: Number(mib(p.rss)), heapTotalMiB: Number(mib(p.heapTotal)), heapUsedMiB: Number(mib(p.heapUsed)), externalMiB: Number(mib(p.external)) })) }) + '\n');
} else {
  console.log(`soak: ${runs} runs (${chains} chains, ${steps} steps, random samplers, every ${cancelEvery}th cancelled mid-run) in ${seconds.toFixed(1)} s, node ${process.version}, ${cpus().length} CPUs, young generation ${report.youngGenerationPinned ? 'pinned at 16 MiB' : 'not pinned'}`);
  console.log(`  completed ${counts.completed}, cancelled ${counts.cancelled} (finished before the abort: ${counts.cancelledLate}), errors ${counts.errors}; completed by sampler ${JSON.stringify(bySampler)}`);
  console.log('    run    RSS MiB  heapTotal MiB  heapUsed MiB  external MiB');
  for (const p of trajectory) console.log(`  ${String(p.run).padStart(5)}  ${mib(p.rss).padStart(9)}  ${mib(p.heapTotal).padStart(13)}  ${mib(p.heapUsed).padStart(12)}  ${mib(p.external).padStart(12)}`);
  console.log(`  RSS start ${mib(start.rss)} MiB, after warm-up (${warmup}) ${mib(afterWarmup.rss)} MiB, end ${mib(end.rss)} MiB: ${(100 * growth).toFixed(1)}% after warm-up (limit ${100 * maxGrowth}%)`);
  console.log(`  heapUsed start ${mib(start.heapUsed)} MiB, after warm-up ${mib(afterWarmup.heapUsed)} MiB, end ${mib(end.heapUsed)} MiB`);
}
if (counts.errors > 0) {
  console.error(`soak: FAIL: ${counts.errors} unexpected errors`);
  process.exit(1);
}
if (growth > maxGrowth) {
  console.error(`soak: FAIL: RSS grew ${(100 * growth).toFixed(1)}% after the warm-up`);
  process.exit(1);
}
