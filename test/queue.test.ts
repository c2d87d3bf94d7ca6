// SPDX-License-Identifier: MIT
// Scale-out through BullMQ on a real redis-server (never a mock): runs split over worker processes
// assemble bit for bit to the one-process run, a SIGKILLed worker's job is retried elsewhere, input
// errors fail once with their typed error, a Redis restart is survived, cancellation reaches the
// workers. Skipped, visibly, only where redis-server is not installed.
import test from 'ava';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { LangevinError } from '../lib/errors.js';
import { parseProblem } from '../lib/problem/index.js';
import { redisOptions } from '../lib/queue/connection.js';
import { chainRanges, decodeError } from '../lib/queue/jobFormat.js';
import { submitSplit } from '../lib/queue/submit.js';
import { sample } from '../lib/sample.js';
import type { SampleOptions } from '../lib/options.js';
import { freePort, RedisServer, redisServerPath } from './helpers/redis.js';

const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'langevin-queue-'));
const hasRedis = redisServerPath() !== undefined;
const rtest = hasRedis ? test.serial : test.skip;
const why = hasRedis ? '' : ' (skipped: redis-server is not installed)';

const SMALL = {
  prior: {
    type: 'gmm',
    weights: [0.2, 0.5, 0.3],
    means: [[0, 0, 0, 0], [1.5, -1, 0.5, 0], [-1, 1, -0.5, 1]],
    covariance: { type: 'diagonal', variances: [[0.5, 0.4, 0.6, 0.5], [0.3, 0.5, 0.4, 0.6], [0.6, 0.6, 0.3, 0.4]] },
  },
  likelihood: { operator: { type: 'dense', matrix: [[0.5, 0.2, 0, -0.3], [0, 0.4, 0.4, 0.1], [0.3, 0, -0.2, 0.5]] }, y: [0.4, -0.2, 0.7], noiseStd: 0.3 },
};

let redis: RedisServer;
const workers = new Set<ChildProcess>();

/** A `langevin worker` process; resolves once it listens on the queue. */
function startWorker(queue: string, extra: string[] = []): Promise<{ proc: ChildProcess; log: () => string }> {
  const proc = spawn(process.execPath, [cli, 'worker', '--redis', redis.url, '--queue', queue, '--threads', '1', '--lock-ms', '2000', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  workers.add(proc);
  proc.once('exit', () => workers.delete(proc));
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${text}`)), 20_000);
    proc.stderr!.on('data', (b: Buffer) => {
      text += b.toString();
      if (text.includes(' on queue ')) {
        clearTimeout(timer);
        resolve({ proc, log: () => text });
      }
    });
    proc.once('exit', (code) => reject(new Error(`worker exited (${code}): ${text}`)));
  });
}

function stopWorker(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    proc.once('exit', (code) => resolve(code));
    proc.kill(signal);
  });
}

function bytes(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

test.before(async () => {
  if (!hasRedis) return;
  redis = new RedisServer(await freePort());
  await redis.start();
});

test.after.always(async () => {
  await Promise.all([...workers].map((w) => stopWorker(w, 'SIGKILL')));
  await redis?.stop();
});

test('chain ranges cover the run in order, near-equal, whatever the part count', (t) => {
  for (const [total, parts, start] of [[10, 3, 0], [7, 7, 5], [3, 10, 0], [1000, 6, 250]]) {
    const r = chainRanges(total, parts, start);
    t.is(r.length, Math.min(parts, total));
    t.is(r[0].chainOffset, start);
    for (let i = 1; i < r.length; i++) t.is(r[i].chainOffset, r[i - 1].chainOffset + r[i - 1].chains);
    t.is(r.reduce((n, x) => n + x.chains, 0), total);
    t.true(Math.max(...r.map((x) => x.chains)) - Math.min(...r.map((x) => x.chains)) <= 1);
  }
});

rtest(`a run split over two worker processes is bit-identical to the one-process run, for every sampler${why}`, async (t) => {
  const q = 'identical';
  await Promise.all([startWorker(q), startWorker(q)]);
  const problem = parseProblem(SMALL);
  for (const sampler of ['lmc', 'almc', 'xgp', 'dalmc'] as const) {
    const options: SampleOptions = { sampler, chains: 1500, seed: 11, chainOffset: 100 };
    const one = await sample(problem, { ...options, threads: 1 });
    const split = await submitSplit(SMALL, dir, options, { redis: redis.url, queue: q, parts: 5 });
    t.deepEqual(split.shape, one.shape);
    t.true(bytes(split.samples).equals(bytes(one.samples)), `${sampler}: samples differ`);
    t.deepEqual(Array.from(split.status), Array.from(one.status));
    t.is(split.summary.parts.length, 5);
    t.is(new Set(split.summary.parts.map((p) => p.worker)).size, 2, `${sampler}: both workers took parts`);
    // Diagnostics are recomputed over all chains: the same numbers as the one-process run's.
    t.deepEqual(split.summary.diagnostics.exact, one.summary.diagnostics.exact);
    // The settings are the run's (the pilot does not depend on the range); only the island count in a rule's text differs.
    const values = (x: Record<string, unknown>) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, typeof v === 'object' && v ? (v as { value: unknown }).value : v]));
    t.deepEqual(values(split.summary.settings), values(one.summary.settings));
  }
});

rtest(`\`langevin submit --out\` writes the same .npy bytes as \`langevin sample --out\`${why}`, async (t) => {
  const q = 'cli';
  await startWorker(q);
  const problem = join(dir, 'small.json');
  writeFileSync(problem, JSON.stringify(SMALL));
  const a = join(dir, 'split.npy'), b = join(dir, 'one.npy');
  const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => execFile(process.execPath, [cli, ...args], (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr })));
  const s = await run(['submit', problem, '--redis', redis.url, '--queue', q, '--sampler', 'almc', '--chains', '1200', '--seed', '4', '--parts', '3', '--out', a, '--json']);
  t.is(s.code, 0, s.stderr);
  t.is(JSON.parse(s.stdout).parts.length, 3);
  const o = await run(['sample', problem, '--sampler', 'almc', '--chains', '1200', '--seed', '4', '--out', b, '--device', 'cpu']);
  t.is(o.code, 0, o.stderr);
  t.true(readFileSync(a).equals(readFileSync(b)));
  // Bad input is refused before any job exists: exit 2, typed message, no stack trace.
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...SMALL, likelihood: { ...SMALL.likelihood, noiseStd: -1 } }));
  const bad = await run(['submit', join(dir, 'bad.json'), '--redis', redis.url, '--queue', q, '--out', join(dir, 'bad.npy')]);
  t.is(bad.code, 2, bad.stderr);
  t.regex(bad.stderr, /noiseStd/);
  t.notRegex(bad.stderr, /\n\s+at /);
  t.false(existsSync(join(dir, 'bad.npy')));
});

rtest(`a worker killed with SIGKILL mid-job: its job is retried by another worker, nothing is lost, the output is identical${why}`, async (t) => {
  const q = 'kill';
  const first = await startWorker(q);
  // Two parts of ~2.5 s each (1000 chains × 20 000 LMC steps on one thread).
  const options: SampleOptions = { sampler: 'lmc', chains: 2000, seed: 21, steps: 20_000 };
  let killed = false;
  let second: Promise<unknown> | undefined;
  const split = await submitSplit(SMALL, dir, options, {
    redis: redis.url,
    queue: q,
    parts: 2,
    onProgress: (p) => {
      if (!killed && p.fraction > 0.05) {
        killed = true;
        first.proc.kill('SIGKILL');
        second = startWorker(q);
      }
    },
  });
  t.true(killed, 'the first worker was killed mid-run');
  await second;
  const one = await sample(parseProblem(SMALL), { ...options, threads: 1 });
  t.true(bytes(split.samples).equals(bytes(one.samples)));
  t.deepEqual(split.summary.parts.map((p) => p.part), [0, 1]);
  t.true(split.summary.parts.some((p) => p.attempts > 1), `a part was restarted: ${JSON.stringify(split.summary.parts)}`);
});

rtest(`a job that fails validation on the worker fails once, with its typed error, and is never retried${why}`, async (t) => {
  const q = 'invalid';
  await startWorker(q);
  const connection = redisOptions(redis.url);
  const queue = new Queue(q, { connection });
  const events = new QueueEvents(q, { connection });
  await events.waitUntilReady();
  const bad = { ...SMALL, likelihood: { ...SMALL.likelihood, noiseStd: -1 } };
  const job = await queue.add('sample', { format: 1, runId: 'r', part: 0, parts: 1, problem: bad, baseDir: dir, options: { seed: '1' }, chainOffset: 0, chains: 10 }, { attempts: 5, backoff: { type: 'fixed', delay: 100 } });
  const err = await job.waitUntilFinished(events).then(() => undefined, (e: Error) => e);
  t.truthy(err);
  const typed = decodeError(err!.message, 'job');
  t.true(typed instanceof LangevinError);
  t.is(typed.code, 'E_VALUE');
  t.regex(typed.field ?? '', /noiseStd/);
  const after = await queue.getJob(job.id!);
  t.is(after?.attemptsMade, 1, 'one attempt, no retries');
  await events.close();
  await queue.close();
  // The library refuses the same input before any job exists.
  const e = await t.throwsAsync(submitSplit(bad, dir, { chains: 10 }, { redis: redis.url, queue: q }));
  t.is((e as LangevinError).code, 'E_VALUE');
});

rtest(`Redis restarting mid-run: workers and the submitter reconnect and the run completes identically${why}`, async (t) => {
  const q = 'restart';
  await startWorker(q);
  const options: SampleOptions = { sampler: 'lmc', chains: 2000, seed: 8, steps: 4_000 };
  let restarted: Promise<void> | undefined;
  const split = await submitSplit(SMALL, dir, options, {
    redis: redis.url,
    queue: q,
    parts: 4,
    onProgress: (p) => {
      if (!restarted && p.partsDone >= 1) restarted = redis.stop().then(() => redis.start());
    },
  });
  t.truthy(restarted, 'Redis was restarted during the run');
  await restarted;
  const one = await sample(parseProblem(SMALL), { ...options, threads: 1 });
  t.true(bytes(split.samples).equals(bytes(one.samples)));
});
