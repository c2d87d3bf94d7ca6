// SPDX-License-Identifier: MIT
// Splits a run into chain ranges, enqueues one BullMQ job per range, waits, and assembles the one
// result the same run gives on one machine: samples and status are the ranges' rows in chain
// order (bit for bit, by the seed contract), and the diagnostics are recomputed over all chains.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { divergenceReport } from '../engine/chains.js';
import { diagnose, EXACT_DIAGNOSTICS_MAX_DIM } from '../diagnostics/summary.js';
import { abortError, LangevinError } from '../errors.js';
import { runWarnings } from '../diagnostics/health.js';
import { readNpy } from '../io/npy.js';
import { resolveOptions, type SampleOptions } from '../options.js';
import { exactPosteriorOf } from '../math/posterior.js';
import { parseProblem } from '../problem/index.js';
import type { SampleResult, SampleSummary } from '../sample.js';
import { samplers } from '../samplers/index.js';
import { toSeed } from '../engine/seed.js';
import type { Problem } from '../types.js';
import { isGmmProblem } from '../types.js';
import { cancelChannel, checkQueueName, redisClient, redisOptions } from './connection.js';
import { chainRanges, decodeBase64, decodeError, type JobOptions, type SampleJobData, type SampleJobResult } from './jobFormat.js';

export interface SubmitOptions {
  redis: string;
  queue: string;
  /** Chain ranges (jobs) to split the run into. Default: one per 4096 chains, at least 1. */
  parts?: number;
  /** Attempts per job before the run fails (a worker crash or a lost device is retried). Default 3. */
  attempts?: number;
  /** Workers write part .npy files here (storage all hosts share) instead of returning samples through Redis. */
  sharedDir?: string;
  signal?: AbortSignal;
  /** Called as parts progress: finished parts, and the fraction of all steps done. */
  onProgress?: (p: { partsDone: number; parts: number; fraction: number }) => void;
}

export interface SplitSummary extends Omit<SampleSummary, 'phases' | 'seconds' | 'deviceDescription' | 'device'> {
  seconds: number;
  runId: string;
  parts: { part: number; chainOffset: number; chains: number; worker: string; seconds: number; attempts: number }[];
}

export interface SplitResult extends Omit<SampleResult, 'summary'> {
  summary: SplitSummary;
}

/** Options a split run cannot honour the same way on every machine. */
function jobOptionsOf(o: SampleOptions): JobOptions {
  if (o.budget?.seconds !== undefined)
    throw new LangevinError('E_UNSUPPORTED', 'options.budget.seconds: a time budget depends on the machine, so split ranges would differ from one run; give budget.steps', 'options.budget.seconds');
  if ((o.draws ?? 0) > 0) throw new LangevinError('E_UNSUPPORTED', 'options.draws: convergence draws (split-R̂) need every chain in one process; not available in split runs', 'options.draws');
  if (o.init instanceof Float32Array) throw new LangevinError('E_UNSUPPORTED', 'options.init: user-supplied initial states do not travel through the queue; use prior, gaussian or zeros', 'options.init');
  const out: JobOptions = { seed: toSeed(o.seed, 'options.seed').toString() };
  for (const k of ['sampler', 'steps', 'stepSize', 'budget', 'accuracy', 'init', 'population', 'divergence', 'almc', 'xgp', 'dalmc'] as const)
    if (o[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = o[k];
  return out;
}

/**
 * Runs `problem` (a problem file's parsed JSON; relative references resolve against `baseDir` on
 * the workers) over the queue's workers and returns the assembled result.
 */
export async function submitSplit(problemJson: unknown, baseDir: string, options: SampleOptions, s: SubmitOptions): Promise<SplitResult> {
  const queueName = checkQueueName(s.queue, 'queue');
  // Everything a worker would refuse is refused here first, before a job exists.
  const problem = parseProblem(problemJson, baseDir);
  const opts = resolveOptions({ ...options, device: 'cpu' });
  samplers[opts.sampler].validate?.(problem, opts.samplerOptions ?? {}, { userInit: opts.init !== undefined });
  const jobOptions = jobOptionsOf(options);
  const ranges = chainRanges(opts.chains, s.parts ?? Math.max(1, Math.ceil(opts.chains / 4096)), opts.chainOffset);
  if (s.signal?.aborted) throw abortError(s.signal);

  const connection = redisOptions(s.redis, 'redis');
  const queue = new Queue<Job<SampleJobData, SampleJobResult, 'sample'>>(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  const runId = randomUUID();
  const t0 = performance.now();
  const jobs: Job<SampleJobData, SampleJobResult, 'sample'>[] = [];
  const fraction = new Array<number>(ranges.length).fill(0);
  let partsDone = 0;
  const report = () => s.onProgress?.({ partsDone, parts: ranges.length, fraction: fraction.reduce((a, b) => a + b, 0) / ranges.length });
  const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
    const i = jobs.findIndex((j) => j.id === jobId);
    const p = data as { done?: number; total?: number };
    if (i >= 0 && p && typeof p.done === 'number' && p.total) fraction[i] = Math.min(0.99, p.done / p.total);
    report();
  };
  events.on('progress', onProgress);
  let cancelled = false;
  const cancel = async () => {
    cancelled = true;
    const pub = redisClient(s.redis);
    pub.on('error', () => {});
    try {
      await pub.publish(cancelChannel(queueName), runId);
      await Promise.all(jobs.map((j) => j.remove().catch(() => {}))); // waiting ones vanish; active ones are locked and stop on the message
    } finally {
      pub.disconnect();
    }
  };
  const onAbort = () => void cancel();
  s.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await events.waitUntilReady();
    const added = await queue.addBulk(
      ranges.map((r, part) => ({
        name: 'sample' as const,
        data: { format: 1 as const, runId, part, parts: ranges.length, problem: problemJson, baseDir, options: jobOptions, ...r, sharedDir: s.sharedDir },
        opts: { jobId: `${runId}-${part}`, attempts: s.attempts ?? 3, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: true, removeOnFail: true },
      })),
    );
    jobs.push(...added);
    const results = await Promise.all(
      added.map(async (job, part) => {
        const abort = new Promise<never>((_, reject) => {
          if (s.signal?.aborted) reject(abortError(s.signal));
          s.signal?.addEventListener('abort', () => reject(abortError(s.signal!)), { once: true });
        });
        let r: SampleJobResult;
        try {
          r = await Promise.race([job.waitUntilFinished(events), abort]);
        } catch (err) {
          if (err instanceof LangevinError) throw err;
          throw decodeError((err as Error).message, `part ${part} (chains ${ranges[part].chainOffset}…)`);
        }
        fraction[part] = 1;
        partsDone++;
        report();
        return { r, attempts: r.attempt };
      }),
    );
    return assemble(problem, runId, ranges, results, (performance.now() - t0) / 1000);
  } catch (err) {
    if (!cancelled) await cancel().catch(() => {});
    throw err;
  } finally {
    s.signal?.removeEventListener('abort', onAbort);
    events.off('progress', onProgress);
    await Promise.allSettled([events.close(), queue.close()]);
  }
}

function assemble(problem: Problem, runId: string, ranges: { chainOffset: number; chains: number }[], parts: { r: SampleJobResult; attempts: number }[], seconds: number): SplitResult {
  const d = problem.prior.dim;
  const chains = ranges.reduce((n, r) => n + r.chains, 0);
  const samples = new Float32Array(chains * d);
  const status = new Int32Array(chains);
  let at = 0;
  parts.forEach(({ r }, i) => {
    const want = ranges[i];
    if (r.part !== i || r.chainOffset !== want.chainOffset || r.chains !== want.chains || r.dim !== d)
      throw new LangevinError('E_DEVICE', `part ${i}: the worker returned chains [${r.chainOffset}, ${r.chainOffset + r.chains}) × ${r.dim}, expected [${want.chainOffset}, ${want.chainOffset + want.chains}) × ${d}`);
    const rows = r.file ? readNpy(readFileSync(r.file), { name: r.file }).data : decodeBase64(r.samples ?? '', Float32Array, r.chains * d, `part ${i} samples`);
    if (rows.length !== r.chains * d) throw new LangevinError('E_SHAPE', `part ${i}: ${r.file} holds ${rows.length} values, expected ${r.chains * d}`);
    samples.set(rows, at * d);
    status.set(decodeBase64(r.status, Int32Array, r.chains, `part ${i} status`), at);
    at += r.chains;
  });
  const first = parts[0].r.summary;
  const chainOffset = ranges[0].chainOffset;
  const target: Problem = first.target === 'prior' ? { prior: problem.prior } : problem;
  const exact = d <= EXACT_DIAGNOSTICS_MAX_DIM && isGmmProblem(target) ? exactPosteriorOf(target) : undefined;
  const diagnostics = diagnose(target, samples, status, divergenceReport(status, chainOffset), exact);
  // The islands' weight statistics: the worst part speaks for the run.
  const rw = parts.map((p) => p.r.summary.diagnostics.reweighting).filter((x) => x !== undefined);
  if (rw.length > 0) diagnostics.reweighting = rw.reduce((a, b) => (b.minEss < a.minEss ? b : a));
  const summary: SplitSummary = {
    sampler: first.sampler,
    prior: first.prior,
    target: first.target,
    chains,
    chainOffset,
    dim: d,
    seed: first.seed,
    seconds,
    settings: first.settings,
    diagnostics,
    warnings: runWarnings(diagnostics, exact, []),
    version: first.version,
    runId,
    parts: parts.map(({ r, attempts }) => ({ part: r.part, chainOffset: r.chainOffset, chains: r.chains, worker: r.worker, seconds: r.summary.seconds, attempts })),
  };
  return { samples, shape: [chains, d], status, summary };
}
