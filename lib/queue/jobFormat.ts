// SPDX-License-Identifier: MIT
// What travels through the queue: one job per chain range of a run, and its result. Everything is
// plain JSON (BullMQ stores job data and return values as JSON in Redis); samples travel as
// base64 little-endian float32 rows, or as a .npy path on storage every host mounts.
import { LangevinError, type ErrorCode } from '../errors.js';
import type { SampleOptions, SamplerName } from '../options.js';
import type { SampleSummary } from '../sample.js';

/** The sample() options a job carries: everything but the chain range, device, threads and callbacks. */
export interface JobOptions {
  sampler?: SamplerName;
  /** Decimal string: seeds are 64-bit and JSON numbers are not. */
  seed: string;
  steps?: number;
  stepSize?: number;
  budget?: { steps?: number };
  accuracy?: number;
  init?: 'prior' | 'gaussian' | 'zeros';
  population?: number;
  divergence?: 'report' | 'error';
  almc?: Record<string, unknown>;
  xgp?: Record<string, unknown>;
  dalmc?: Record<string, unknown>;
}

export interface SampleJobData {
  format: 1;
  /** The run this range belongs to, and the range's index among the run's parts. */
  runId: string;
  part: number;
  parts: number;
  /** The problem file's JSON content; relative file references resolve against baseDir on the worker. */
  problem: unknown;
  baseDir: string;
  options: JobOptions;
  chainOffset: number;
  chains: number;
  /** Write the part's samples as <dir>/<runId>-<part>.npy (shared storage) instead of returning them. */
  sharedDir?: string;
}

export interface SampleJobResult {
  part: number;
  chainOffset: number;
  chains: number;
  dim: number;
  /** base64 float32 [chains, dim] (little-endian), or absent when written to `file`. */
  samples?: string;
  file?: string;
  /** base64 int32 [chains]: -1 finite, else the global step where the chain diverged. */
  status: string;
  summary: SampleSummary;
  /** Which worker ran it (host:pid), and the how-manieth start of the job this was (> 1: retried or recovered from a dead worker). */
  worker: string;
  attempt: number;
}

/** Chain ranges [offset, offset + chains) covering [start, start + total) in `parts` near-equal pieces. */
export function chainRanges(total: number, parts: number, start = 0): { chainOffset: number; chains: number }[] {
  const n = Math.min(parts, total);
  const out: { chainOffset: number; chains: number }[] = [];
  for (let p = 0, at = start; p < n; p++) {
    const chains = Math.floor(total / n) + (p < total % n ? 1 : 0);
    out.push({ chainOffset: at, chains });
    at += chains;
  }
  return out;
}

/** The sample() options of a job's range. */
export function sampleOptionsOf(job: SampleJobData, extra: Pick<SampleOptions, 'device' | 'threads' | 'signal' | 'onProgress'>): SampleOptions {
  const { seed, ...rest } = job.options;
  return { ...rest, seed: BigInt(seed), chains: job.chains, chainOffset: job.chainOffset, ...extra };
}

/** A typed array's bytes as base64 (little-endian on every host we build for). */
export function encodeBase64(a: Float32Array | Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** `length` float32 or int32 values from base64, refusing any other byte count. */
export function decodeBase64<T extends Float32Array | Int32Array>(s: string, Type: { new (n: number): T; name: string }, length: number, field: string): T {
  const b = Buffer.from(s, 'base64');
  if (b.byteLength !== 4 * length) throw new LangevinError('E_SHAPE', `${field}: expected ${length} ${Type.name} values, received ${b.byteLength} bytes`, field);
  const out = new Type(length);
  new Uint8Array(out.buffer).set(b);
  return out;
}

// A typed error crosses the queue inside the failed job's reason: BullMQ keeps only a message.
const TAG = 'LangevinError ';

export function encodeError(err: LangevinError): string {
  return TAG + JSON.stringify({ code: err.code, message: err.message, field: err.field });
}

/** The LangevinError a failed job carried, or an E_DEVICE error naming the job's plain failure. */
export function decodeError(reason: string, where: string): LangevinError {
  const at = reason.indexOf(TAG);
  if (at >= 0) {
    try {
      const e = JSON.parse(reason.slice(at + TAG.length)) as { code: ErrorCode; message: string; field?: string };
      return new LangevinError(e.code, e.message, e.field);
    } catch {
      // fall through: not one of ours after all
    }
  }
  return new LangevinError('E_DEVICE', `${where} failed on the worker: ${reason}`);
}

/** Errors a retry elsewhere cannot fix: the input is wrong, or the run itself said no. */
const DETERMINISTIC: ReadonlySet<ErrorCode> = new Set(['E_SHAPE', 'E_VALUE', 'E_NONFINITE', 'E_OPTION', 'E_FILE', 'E_UNSUPPORTED', 'E_DIVERGED', 'E_INACCURATE', 'E_ABORTED']);
export function isDeterministic(err: unknown): err is LangevinError {
  return err instanceof LangevinError && DETERMINISTIC.has(err.code);
}
