// SPDX-License-Identifier: MIT
// Peer implementations of the same update, run in the same process tree on the same machine:
// scripts/bench_numpy.py (CPU, vectorised NumPy) and scripts/bench_torch.py (GPU, PyTorch eager
// and torch.compile). Each takes the case list as JSON and prints one JSON object.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchCase, FamilyName, SizeName } from './cases.js';

export interface PeerRow {
  family: FamilyName;
  size: SizeName;
  chains: number;
  d: number;
  steps: number;
  seconds: number;
  elementStepsPerSec: number; // best of the repetitions
  elementStepsPerSecMedian?: number;
  otherCpus?: number | null;
}

export interface PeerRun {
  peer: string; // 'numpy', 'torch-eager', 'torch-compile'
  version?: string;
  details?: Record<string, unknown>;
  rows: PeerRow[];
}

export interface PeerOutcome {
  peer: string;
  available: boolean;
  reason?: string; // why it did not run
  version?: string;
  details?: Record<string, unknown>;
  rows: PeerRow[];
  /** Device copy bandwidth a GPU peer measured (bytes read + written per second). */
  bandwidth?: { bytesPerSecond: number; method: string };
}

export function python(): string {
  return process.env.LANGEVIN_PYTHON || 'python3';
}

/** scripts/<name> of this checkout (lib/bench → ../../scripts, dist/lib/bench → ../../../scripts). */
export function peerScript(name: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'scripts', name);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return undefined;
}

/** The version of a Python module, or why it cannot be imported. */
export function pythonModuleVersion(module: string): { version?: string; reason?: string } {
  const r = spawnSync(python(), ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { reason: `${python()} not found (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) return { reason: `${python()} cannot import ${module}: ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 200)}` };
  return { version: r.stdout.trim() };
}

export interface PeerRunOptions {
  reps: number;
  maxSeconds: number; // per case: the peer lowers its step count to stay near this
  threads?: number;
  timeoutMs?: number;
  extraArgs?: string[];
}

/** Runs a peer script on the cases; resolves with its parsed JSON (never rejects). */
export function runPeerScript(script: string, cases: readonly BenchCase[], opts: PeerRunOptions): Promise<{ ok: true; json: Record<string, unknown> } | { ok: false; reason: string }> {
  const payload = cases.map((c) => ({ family: c.family, size: c.size, chains: c.chains, d: c.d, m: c.m, K: c.K, steps: c.steps }));
  const args = [script, '--cases', JSON.stringify(payload), '--reps', String(opts.reps), '--max-seconds', String(opts.maxSeconds), ...(opts.extraArgs ?? [])];
  return new Promise((resolve) => {
    execFile(python(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 30 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        resolve({ ok: false, reason: `${script.split('/').pop()} failed: ${(stderr || err.message).trim().split('\n').slice(-3).join(' | ').slice(0, 500)}` });
        return;
      }
      try {
        resolve({ ok: true, json: JSON.parse(stdout) as Record<string, unknown> });
      } catch (e) {
        resolve({ ok: false, reason: `${script.split('/').pop()} printed no JSON: ${(e as Error).message}` });
      }
    });
  });
}

function rowsOf(v: unknown): PeerRow[] {
  return Array.isArray(v) ? (v as PeerRow[]).filter((r) => r && typeof r.elementStepsPerSec === 'number') : [];
}

/** Whether the NumPy peer can run here: its script and numpy's version, or why not. */
export function numpyPeerAvailability(): { script: string; version: string } | { reason: string } {
  const script = peerScript('bench_numpy.py');
  if (!script) return { reason: 'scripts/bench_numpy.py is not in this installation' };
  const v = pythonModuleVersion('numpy');
  if (!v.version) return { reason: v.reason ?? 'numpy not importable' };
  return { script, version: v.version };
}

/** NumPy peer (CPU) on some cases, in one Python process. */
export async function runNumpyPeer(cases: readonly BenchCase[], opts: PeerRunOptions): Promise<PeerOutcome> {
  const a = numpyPeerAvailability();
  if ('reason' in a) return { peer: 'numpy', available: false, reason: a.reason, rows: [] };
  const r = await runPeerScript(a.script, cases, opts);
  if (!r.ok) return { peer: 'numpy', available: false, reason: r.reason, version: a.version, rows: [] };
  return { peer: 'numpy', available: true, version: String(r.json.version ?? a.version), details: r.json.details as Record<string, unknown> | undefined, rows: rowsOf(r.json.results) };
}

/** PyTorch peers (GPU): torch eager and torch.compile, from one run of scripts/bench_torch.py. */
export async function runTorchPeers(cases: readonly BenchCase[], opts: PeerRunOptions): Promise<PeerOutcome[]> {
  const fail = (reason: string, version?: string): PeerOutcome[] => ['torch-eager', 'torch-compile'].map((peer) => ({ peer, available: false, reason, version, rows: [] }));
  const script = peerScript('bench_torch.py');
  if (!script) return fail('scripts/bench_torch.py is not in this installation');
  const v = pythonModuleVersion('torch');
  if (!v.version) return fail(v.reason ?? 'torch not importable');
  const r = await runPeerScript(script, cases, { ...opts, extraArgs: ['--device', 'cuda', ...(opts.extraArgs ?? [])] });
  if (!r.ok) return fail(r.reason, v.version);
  const bw = r.json.bandwidth as { bytesPerSecond: number; method: string } | undefined;
  const out: PeerOutcome[] = [];
  for (const [peer, key] of [
    ['torch-eager', 'eager'],
    ['torch-compile', 'compile'],
  ] as const) {
    const rows = rowsOf((r.json.results as Record<string, unknown> | undefined)?.[key]);
    const err = (r.json.errors as Record<string, string> | undefined)?.[key];
    out.push({ peer, available: rows.length > 0, reason: rows.length ? undefined : (err ?? 'no results'), version: String(r.json.version ?? v.version), details: r.json.details as Record<string, unknown> | undefined, rows, bandwidth: bw });
  }
  return out;
}
