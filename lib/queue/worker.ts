// SPDX-License-Identifier: MIT
// A BullMQ worker that runs sampling jobs: each job is one chain range of a run, sampled with
// sample() exactly as on one machine (the seed contract makes every range's samples independent of
// where and in what pieces the run was done). Input and run-level errors fail the job once
// (UnrecoverableError); anything else (a lost device, a crash) is retried by BullMQ, and a worker
// killed mid-job is detected by the stalled-job check and its job handed to another worker.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { LangevinError } from '../errors.js';
import { writeNpyFile } from '../io/npy.js';
import { parseProblem } from '../problem/index.js';
import { sample } from '../sample.js';
import type { DeviceRequest } from '../engine/device.js';
import { cancelChannel, checkQueueName, redisClient, redisOptions } from './connection.js';
import { encodeError, encodeBase64, isDeterministic, sampleOptionsOf, type SampleJobData, type SampleJobResult } from './jobFormat.js';

export interface WorkerOptions {
  redis: string;
  queue: string;
  device?: DeviceRequest;
  /** Jobs run at once by this process (each a native run on the thread pool). Default 1. */
  concurrency?: number;
  /** CPU threads per job (sample()'s `threads`). Default: all cores. */
  threads?: number;
  /** How long a job's lock lives without renewal; a worker silent for this long is presumed dead. Default 30 000 ms. */
  lockMs?: number;
  onEvent?: (line: string) => void;
}

export interface RunningWorker {
  /** Stop taking jobs; jobs in flight are cancelled and handed back to the queue (no attempt used). */
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

const PROGRESS_EVERY_MS = 250;

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const queue = checkQueueName(o.queue);
  const connection = redisOptions(o.redis);
  const lockMs = o.lockMs ?? 30_000;
  const me = `${hostname()}:${process.pid}`;
  const log = o.onEvent ?? (() => {});
  const running = new Map<string, { runId: string; controller: AbortController }>();
  let closing = false;

  const processor = async (job: Job<SampleJobData, SampleJobResult>, token?: string): Promise<SampleJobResult> => {
    const data = job.data;
    const controller = new AbortController();
    running.set(job.id!, { runId: data?.runId, controller });
    try {
      if (data?.format !== 1) throw new LangevinError('E_OPTION', `job ${job.id}: unknown job format (expected a langevin submit job)`, 'job.data.format');
      const problem = parseProblem(data.problem, data.baseDir);
      let last = 0;
      const result = await sample(
        problem,
        sampleOptionsOf(data, {
          device: o.device ?? 'auto',
          threads: o.threads, // undefined: all cores (sample() refuses 0)
          signal: controller.signal,
          onProgress: (p) => {
            const now = Date.now();
            if (now - last < PROGRESS_EVERY_MS) return;
            last = now;
            void job.updateProgress({ phase: p.phase, done: p.done, total: p.total }).catch(() => {});
          },
        }),
      );
      const out: SampleJobResult = {
        part: data.part,
        chainOffset: data.chainOffset,
        chains: data.chains,
        dim: result.shape[1],
        status: encodeBase64(result.status),
        summary: result.summary,
        worker: me,
        attempt: job.attemptsStarted,
      };
      if (data.sharedDir) {
        out.file = join(data.sharedDir, `${data.runId}-${data.part}.npy`);
        writeNpyFile(out.file, result.samples, result.shape);
      } else out.samples = encodeBase64(result.samples);
      log(`job ${job.id}: chains [${data.chainOffset}, ${data.chainOffset + data.chains}) done in ${result.summary.seconds.toFixed(2)} s`);
      return out;
    } catch (err) {
      if (closing && err instanceof LangevinError && err.code === 'E_ABORTED' && token) {
        // This worker is shutting down: the job goes back to the queue for another worker, unspent.
        await job.moveToDelayed(Date.now() + 100, token);
        throw new DelayedError();
      }
      if (isDeterministic(err)) {
        log(`job ${job.id}: ${err.code}: ${err.message}`);
        throw new UnrecoverableError(encodeError(err));
      }
      if (err instanceof LangevinError) throw new Error(encodeError(err));
      throw err;
    } finally {
      running.delete(job.id!);
    }
  };

  const worker = new Worker<SampleJobData, SampleJobResult>(queue, processor, {
    connection,
    concurrency: o.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
    maxStalledCount: 2,
    autorun: false,
  });
  worker.on('error', (err) => log(`redis: ${err.message}`));

  // Submitters cancel runs over pub/sub; the aborted native run stops within one chunk.
  const sub = redisClient(o.redis);
  sub.on('error', () => {});
  await sub.subscribe(cancelChannel(queue));
  sub.on('message', (_channel, runId: string) => {
    for (const [id, r] of running)
      if (r.runId === runId) {
        log(`job ${id}: cancelled by its submitter`);
        r.controller.abort(new Error('cancelled by the submitter'));
      }
  });

  const closed = worker.run();
  await worker.waitUntilReady();
  log(`worker ${me} on queue ${queue} (concurrency ${o.concurrency ?? 1})`);
  return {
    closed,
    async close() {
      closing = true;
      for (const r of running.values()) r.controller.abort(new Error('worker shutting down'));
      await worker.close();
      sub.disconnect();
    },
  };
}
