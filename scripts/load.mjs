#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Load test: a fixed number of requests of one small sampling job, served with N in flight at once
// (as a server would under N concurrent clients). For each concurrency: throughput, p50/p99/max
// latency and the event-loop delay while serving (monitorEventLoopDelay, 10 ms resolution).
//
//   node scripts/load.mjs [--concurrency 1,4,16,64] [--requests 256] [--chains 200] [--steps 200]
//                         [--sampler lmc] [--markdown] [--json]
// Needs the compiled library (npx tsc -p tsconfig.json) and the native addon. Phases run on the libuv
// thread pool (UV_THREADPOOL_SIZE, default 4), each on up to all cores (options.threads).
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseProblem, sample } from '../dist/lib/index.js';
import { SMALL_PROBLEM } from './smallProblem.mjs';

const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1,4,16,64' },
    requests: { type: 'string', default: '256' },
    chains: { type: 'string', default: '200' },
    steps: { type: 'string', default: '200' },
    sampler: { type: 'string', default: 'lmc' },
    threads: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const levels = args.concurrency.split(',').map(Number);
const requests = Number(args.requests);
const sampler = args.sampler;
const job = {
  sampler,
  chains: Number(args.chains),
  device: 'cpu',
  ...(args.threads ? { threads: Number(args.threads) } : {}),
  ...(sampler === 'xgp' ? { xgp: { stageTime: 0.05, reweight: false } } : sampler === 'almc' ? { steps: Number(args.steps), almc: { warmStartSteps: Number(args.steps), reweight: false } } : sampler === 'dalmc' ? { steps: Number(args.steps), dalmc: { reweight: false } } : { steps: Number(args.steps) }),
};

const problem = parseProblem(SMALL_PROBLEM);

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

async function level(concurrency) {
  const latencies = [];
  let next = 0;
  let failures = 0;
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t0 = performance.now();
  async function client() {
    for (let i = next++; i < requests; i = next++) {
      const start = performance.now();
      try {
        const r = await sample(problem, { ...job, seed: i });
        if (!r.samples.every(Number.isFinite)) failures++;
      } catch {
        failures++;
      }
      latencies.push(performance.now() - start);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - t0) / 1000;
  h.disable();
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    requests,
    failures,
    seconds: Number(seconds.toFixed(2)),
    jobsPerSecond: Number((requests / seconds).toFixed(1)),
    latencyMs: { p50: Number(quantile(latencies, 0.5).toFixed(1)), p99: Number(quantile(latencies, 0.99).toFixed(1)), max: Number(latencies[latencies.length - 1].toFixed(1)) },
    eventLoopDelayMs: { max: Number((h.max / 1e6).toFixed(1)), p99: Number((h.percentile(99) / 1e6).toFixed(1)), mean: Number((h.mean / 1e6).toFixed(1)) },
    rssMiB: Number((process.memoryUsage().rss / 2 ** 20).toFixed(1)),
  };
}

// Warm-up: load the addon, JIT the JS path.
for (let i = 0; i < 20; i++) await sample(problem, { ...job, seed: 1e6 + i });

const results = [];
for (const c of levels) results.push(await level(c));
const env = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model?.trim(), threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4) };
if (args.json) {
  process.stdout.write(JSON.stringify({ env, job: { ...job, dim: 4, components: 3 }, results }) + '\n');
} else {
  const head = `load: ${requests} requests of ${sampler}, ${job.chains} chains × ${args.steps} steps, d = 4, K = 3 (node ${env.node}, ${env.cpus} CPUs, UV_THREADPOOL_SIZE ${env.threadpool})`;
  console.log(head);
  const rows = results.map((r) => [r.concurrency, r.jobsPerSecond, r.latencyMs.p50, r.latencyMs.p99, r.latencyMs.max, r.eventLoopDelayMs.max, r.eventLoopDelayMs.p99, r.failures, r.rssMiB]);
  const header = ['concurrency', 'jobs/s', 'p50 ms', 'p99 ms', 'max ms', 'loop delay max ms', 'loop delay p99 ms', 'failures', 'RSS MiB'];
  if (args.markdown) {
    console.log(`| ${header.join(' | ')} |`);
    console.log(`| ${header.map(() => '---:').join(' | ')} |`);
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } else {
    console.log(header.map((h) => h.padStart(12)).join(''));
    for (const r of rows) console.log(r.map((v) => String(v).padStart(12)).join(''));
  }
}
if (results.some((r) => r.failures > 0)) process.exit(1);
