// SPDX-License-Identifier: MIT
// What the benchmark ran on, and the memory-bandwidth ceiling measured in the same run.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { native } from '../engine/native.js';

export interface MachineInfo {
  cpuModel: string;
  logicalCpus: number; // what this process may use (os.availableParallelism)
  memoryBytes: number;
  platform: string;
  arch: string;
  node: string;
  addonCpuThreads: number; // the CPU backend's default thread count
  /** The addon build that ran (build/Release/langevin.node of this checkout), when found. */
  addon?: { file: string; modified: string; sha256: string };
  gpu?: { name?: string; capability?: string; driverVersion?: number; runtimeVersion?: number; totalBytes?: number };
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** CUDA versions as the runtime reports them (e.g. 13000) → "13.0". */
export function cudaVersionString(v: number | undefined): string | undefined {
  if (v === undefined || !(v > 0)) return undefined;
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}

function addonFile(): MachineInfo['addon'] {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const f = join(dir, 'build', 'Release', 'langevin.node');
    if (existsSync(f)) {
      const sha256 = createHash('sha256').update(readFileSync(f)).digest('hex').slice(0, 16);
      return { file: f, modified: statSync(f).mtime.toISOString(), sha256 };
    }
    dir = dirname(dir);
  }
  return undefined;
}

export function machineInfo(withGpu: boolean): MachineInfo {
  const n = native();
  const info: MachineInfo = {
    cpuModel: cpuModel(),
    logicalCpus: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    memoryBytes: os.totalmem(),
    platform: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    addonCpuThreads: n.buildInfo().cpuThreads,
    addon: addonFile(),
  };
  if (withGpu) {
    const c = n.cudaInfo();
    info.gpu = { name: c.name, capability: c.capability, driverVersion: c.driverVersion, runtimeVersion: c.runtimeVersion, totalBytes: c.totalBytes };
  }
  return info;
}

export interface Bandwidth {
  /** Bytes read plus bytes written per second. */
  bytesPerSecond: number;
  method: string;
  source: 'measured' | 'peer' | 'nominal';
}

/**
 * Host memory bandwidth: best of `reps` copies of a Float32Array far larger than the last-level
 * cache (TypedArray.prototype.set, i.e. one memcpy on one thread), counting bytes read + written.
 */
export function measureHostBandwidth(opts: { bytes?: number; reps?: number } = {}): Bandwidth {
  const bytes = opts.bytes ?? 128 * 1024 * 1024;
  const reps = opts.reps ?? 8;
  const src = new Float32Array(bytes / 4);
  const dst = new Float32Array(bytes / 4);
  for (let i = 0; i < src.length; i += 1024) src[i] = i; // touch every page before timing
  dst.fill(1);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    dst.set(src);
    const t = Number(process.hrtime.bigint() - t0) / 1e9;
    if (t < best) best = t;
    src[r] = dst[r + 1]; // keep the copies observable
  }
  return {
    bytesPerSecond: (2 * bytes) / best,
    method: `best of ${reps} single-thread copies of a ${bytes / 2 ** 20} MiB Float32Array (TypedArray.set), bytes read + written`,
    source: 'measured',
  };
}

/** Published peak HBM bandwidths, used only when no peer measured the device's copy bandwidth. */
export function nominalGpuBandwidth(name: string | undefined): Bandwidth | undefined {
  if (!name) return undefined;
  const table: [RegExp, number, string][] = [
    [/H200/i, 4.8e12, 'H200 HBM3e, 4.8 TB/s'],
    [/H100.*PCIe/i, 2.0e12, 'H100 PCIe HBM2e, 2.0 TB/s'],
    [/H100/i, 3.35e12, 'H100 SXM HBM3, 3.35 TB/s'],
    [/A100/i, 2.0e12, 'A100 80GB HBM2e, 2.0 TB/s'],
  ];
  for (const [re, bw, what] of table) if (re.test(name)) return { bytesPerSecond: bw, method: `nominal peak (${what}); not measured`, source: 'nominal' };
  return undefined;
}

// ------------------------------------------------------------------------------------------------
// Contention: CPU time other processes used while the benchmark ran (Linux /proc; USER_HZ = 100).

export interface CpuSnapshot {
  wall: number; // seconds
  busyTicks: number; // all CPUs, all processes
  ownTicks: number; // this process + its waited-for children
}

export function cpuSnapshot(): CpuSnapshot | undefined {
  try {
    const stat = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...
    const busy = stat[0] + stat[1] + stat[2] + stat[5] + stat[6] + (stat[7] ?? 0);
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number); // fields from 3 (state) on
    const own = f[11] + f[12] + f[13] + f[14]; // utime stime cutime cstime (fields 14–17)
    return { wall: Number(process.hrtime.bigint()) / 1e9, busyTicks: busy, ownTicks: own };
  } catch {
    return undefined;
  }
}

/** Average number of CPUs other processes kept busy between two snapshots. */
export function otherCpus(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): number | null {
  if (!a || !b || b.wall <= a.wall) return null;
  const other = b.busyTicks - a.busyTicks - (b.ownTicks - a.ownTicks);
  return Math.max(0, other / 100 / (b.wall - a.wall));
}
