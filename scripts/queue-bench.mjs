#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Scale-out load benchmark: the same CPU-bound job mix (several samplers, a 4-dim GMM and a 64-dim
// Gaussian × 3×3 blur, each run split into chain ranges) done
//   - in ONE process with sample(): range after range on one thread (the workers' jobs, in turn), and
//     each run whole on all cores (the single-machine run the assembled output must equal), and
//   - by N `langevin worker --threads 1` processes on a BullMQ queue (a private redis-server),
//     submitted with submitSplit() all at once,
// reporting jobs/s and samples/s and checking that every assembled run is bit-identical to the
// one-process run. Each worker runs its native phase on ONE thread (--threads 1), so N workers use
// N cores and the comparison with one process at threads: 1 is like for like.
//
//   node scripts/queue-bench.mjs [--workers 1,2] [--parts 4] [--repeat 3] [--scale 1] [--json]
//
// Every round runs each configuration once, in turn; the table shows each one's best round (other
// load on a shared machine only ever adds time) and its CPU seconds (the workers' own, from /proc;
// the submitter's share is small): "cores busy" = CPU s / wall s shows whether N workers really
// had N cores.
//
// Needs the compiled library (npx tsc -p tsconfig.json), the native addon and redis-server on PATH.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseProblem, sample } from '../dist/lib/index.js';
import { chainRanges } from '../dist/lib/queue/jobFormat.js';
import { submitSplit } from '../dist/lib/queue/submit.js';
import { SMALL_PROBLEM } from './smallProblem.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2' },
    parts: { type: 'string', default: '4' },
    repeat: { type: 'string', default: '3' },
    scale: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const workerCounts = args.workers.split(',').map(Number);
const parts = Number(args.parts);
const repeat = Number(args.repeat);
const scale = Number(args.scale);
const say = (s) => process.stderr.write(`queue-bench: ${s}\n`);
// Child processes (redis-server, workers) die with the benchmark, also on ^C.
const children = new Set();
const track = (proc) => (children.add(proc), proc.once('exit', () => children.delete(proc)), proc);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.once(sig, () => {
    for (const p of children) p.kill('SIGKILL');
    process.exit(130);
  });

// A 64-dim image deblurring problem: standard Gaussian prior, 8×8 image, 3×3 blur, noise 0.1.
const D = 64;
const BLUR_PROBLEM = {
  prior: { type: 'gaussian', mean: new Array(D).fill(0), covariance: { type: 'isotropic', variances: [1] } },
  likelihood: {
    operator: { type: 'blur', kernel: [[0.05, 0.1, 0.05], [0.1, 0.4, 0.1], [0.05, 0.1, 0.05]], shape: [8, 8] },
    y: Array.from({ length: D }, (_, i) => Math.sin(i / 5)),
    noiseStd: 0.1,
  },
};
// Chain counts chosen so one range (chains / parts) takes roughly 0.2–1 s on one thread of the 2-core
// EPYC VM, and (at --parts 4) each range is whole islands of the reweighted samplers (population 1024,
// 512 for the blur run): a range that cuts an island recomputes it, which would charge the split
// configurations for work the whole run does not do.
const c = (n) => Math.max(parts, Math.round(n * scale));
const MIX = [
  { name: 'lmc gmm4', problem: SMALL_PROBLEM, options: { sampler: 'lmc', chains: c(16384), steps: 1000, seed: 11 } },
  { name: 'almc gmm4', problem: SMALL_PROBLEM, options: { sampler: 'almc', chains: c(16384), seed: 12 } },
  { name: 'xgp gmm4', problem: SMALL_PROBLEM, options: { sampler: 'xgp', chains: c(32768), seed: 13 } },
  { name: 'dalmc gmm4', problem: SMALL_PROBLEM, options: { sampler: 'dalmc', chains: c(32768), seed: 14 } },
  { name: 'lmc blur64', problem: BLUR_PROBLEM, options: { sampler: 'lmc', chains: c(2048), steps: 500, seed: 15 } },
  { name: 'almc blur64', problem: BLUR_PROBLEM, options: { sampler: 'almc', chains: c(2048), population: 512, seed: 16 } },
];
const totalJobs = MIX.reduce((n, r) => n + Math.min(parts, r.options.chains), 0);
const totalSamples = MIX.reduce((n, r) => n + r.options.chains, 0);

// Best of the rounds: on a shared machine, other load only ever adds time.
const best = (xs) => Math.min(...xs);
/** CPU seconds (user + system) a process has used so far, from /proc (Linux; 100 ticks/s). */
const cpuOf = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
};
const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** One process: each run's ranges in turn with sample() (chainOffset), rows concatenated; or each run whole. */
async function inProcess(threads, split) {
  const out = [];
  const c0 = selfCpu();
  const t0 = performance.now();
  for (const run of MIX) {
    const problem = parseProblem(run.problem);
    const rows = [];
    for (const r of split ? chainRanges(run.options.chains, parts) : [{ chainOffset: 0, chains: run.options.chains }]) {
      const res = await sample(problem, { ...run.options, ...r, device: 'cpu', ...(threads ? { threads } : {}) });
      rows.push(res.samples);
    }
    const all = new Float32Array(rows.reduce((n, a) => n + a.length, 0));
    rows.reduce((at, a) => (all.set(a, at), at + a.length), 0);
    out.push(all);
  }
  return { seconds: (performance.now() - t0) / 1000, cpu: selfCpu() - c0, samples: out };
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), 'langevin-qbench-'));
  const port = await freePort();
  const proc = track(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  await new Promise((resolve, reject) => {
    let text = '';
    proc.once('error', (e) => reject(new Error(`redis-server: ${e.message} (install it: apt-get install -y redis-server)`)));
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${text.slice(-300)}`)));
    proc.stdout.on('data', (b) => {
      text += b;
      if (/ready to accept connections/i.test(text)) resolve();
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A `langevin worker --threads 1` process; resolves once it listens on the queue. */
async function startWorker(url, queue) {
  const proc = track(spawn(process.execPath, [join(root, 'dist/lib/cli/main.js'), 'worker', '--redis', url, '--queue', queue, '--device', 'cpu', '--threads', '1', '--concurrency', '1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  }));
  let log = '';
  await new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`worker exited (${code}): ${log.slice(-400)}`)));
    proc.stderr.on('data', (b) => {
      log += b;
      if (/ on queue /.test(log)) resolve();
    });
  });
  const cpu0 = cpuOf(proc.pid);
  return {
    /** CPU seconds since it became ready (its share of the mix, without start-up). */
    cpu: () => cpuOf(proc.pid) - cpu0,
    get jobsDone() {
      return (log.match(/ done in /g) ?? []).length;
    },
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

/**
 * N workers on their own queue, started once and kept across rounds as real workers would be (their
 * first round includes start-up and JIT warm-up); the whole mix submitted at once, waited for and
 * assembled. CPU seconds and jobs are this round's.
 */
const pools = new Map();
async function onWorkers(url, n) {
  const queue = `bench-${n}-${process.pid}`;
  if (!pools.has(n)) pools.set(n, await Promise.all(Array.from({ length: n }, () => startWorker(url, queue))));
  const workers = pools.get(n);
  const cpu0 = workers.map((w) => w.cpu());
  const jobs0 = workers.map((w) => w.jobsDone);
  const t0 = performance.now();
  const results = await Promise.all(MIX.map((run) => submitSplit(run.problem, root, run.options, { redis: url, queue, parts })));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = workers.reduce((a, w, i) => a + w.cpu() - cpu0[i], 0);
  return { seconds, cpu, samples: results.map((r) => r.samples), perWorker: workers.map((w, i) => w.jobsDone - jobs0[i]) };
}

const same = (a, b) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

say(`mix: ${MIX.map((r) => `${r.name} (${r.options.chains} chains)`).join(', ')}; ${parts} ranges per run → ${totalJobs} jobs, ${totalSamples} samples; ${cpus().length} cores`);
const loadAtStart = loadavg()[0];
// The configurations take turns in every round, so load from outside falls on all of them alike.
let round = 0;
const redis = await startRedis();
const configs = [
  { label: 'one process, sample() per range, threads 1', run: () => inProcess(1, true) },
  { label: `one process, sample() per whole run, all ${cpus().length} cores`, run: () => inProcess(undefined, false) },
  ...workerCounts.map((n) => ({ label: `${n} × langevin worker --threads 1`, workers: n, run: () => onWorkers(redis.url, n) })),
];
const times = configs.map(() => []);
const cpuTimes = configs.map(() => []);
const perWorker = configs.map(() => undefined);
let reference;
let identical = true;
try {
  for (; round < repeat; round++) {
    for (const [i, cfg] of configs.entries()) {
      const r = await cfg.run();
      reference ??= r.samples;
      r.samples.forEach((s, j) => {
        if (!same(s, reference[j])) {
          identical = false;
          say(`MISMATCH: ${MIX[j].name} from "${cfg.label}" differs from the one-process run`);
        }
      });
      times[i].push(r.seconds);
      cpuTimes[i].push(r.cpu);
      if (r.perWorker) perWorker[i] = r.perWorker;
      say(`round ${round + 1}: ${cfg.label}: ${r.seconds.toFixed(2)} s wall, ${r.cpu.toFixed(2)} CPU s${r.perWorker ? ` (jobs per worker: ${r.perWorker.join(', ')})` : ''}`);
    }
  }
} finally {
  for (const workers of pools.values()) await Promise.all(workers.map((w) => w.stop()));
  await redis.stop();
}
const rows = configs.map((cfg, i) => {
  const k = times[i].indexOf(best(times[i]));
  const seconds = times[i][k];
  return { label: cfg.label, workers: cfg.workers, seconds, cpuSeconds: cpuTimes[i][k], cores: cpuTimes[i][k] / seconds, jobsPerSecond: totalJobs / seconds, samplesPerSecond: totalSamples / seconds, jobsPerWorker: perWorker[i], allSeconds: times[i] };
});

const one = rows.find((r) => r.workers === 1);
for (const r of rows) {
  r.vsOneProcess = rows[0].seconds / r.seconds;
  if (one) r.vsOneWorker = one.seconds / r.seconds;
}
if (args.json) process.stdout.write(JSON.stringify({ cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, parts, totalJobs, totalSamples, repeat, identical, loadAverage: { start: loadAtStart, end: loadavg()[0] }, rows }) + '\n');
// The table goes to stdout, or to stderr beside --json's one line.
{
  const out = args.json ? process.stderr : process.stdout;
  const f = (x, d = 2) => (x === undefined ? '' : x.toFixed(d));
  out.write(`${totalJobs} jobs (${MIX.length} runs × ${parts} ranges), ${totalSamples} samples; ${cpus().length} cores (${cpus()[0]?.model}); node ${process.version}; best of ${repeat}; 1-min load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end\n\n`);
  out.write('| configuration | wall s | CPU s | cores busy | jobs/s | samples/s | vs one process (threads 1) | vs 1 worker |\n|---|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of rows) out.write(`| ${r.label} | ${f(r.seconds)} | ${f(r.cpuSeconds)} | ${f(r.cores)} | ${f(r.jobsPerSecond)} | ${f(r.samplesPerSecond, 0)} | ${f(r.vsOneProcess)}× | ${r.workers ? `${f(r.vsOneWorker)}×` : ''} |\n`);
  out.write(`\nassembled output bit-identical to the one-process run: ${identical ? 'yes, every run' : 'NO'}\n`);
}
if (!identical) process.exitCode = 1;
