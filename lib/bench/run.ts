// SPDX-License-Identifier: MIT
// Kernel benchmarks: each family × size runs through runPhase (one native phase = the whole
// fused step loop in one call), after a warm-up call, and is reported as element-steps/s
// (chains·d·steps / seconds) next to the memory-bandwidth ceiling measured in the same run and
// the peers' rates for the same update.
import { LangevinError } from '../errors.js';
import { backends, describeDevice } from '../engine/device.js';
import type { Device } from '../engine/device.js';
import { operatorTables, priorTables } from '../engine/nativeTables.js';
import { runPhase } from '../engine/phase.js';
import type { RunContext } from '../engine/phase.js';
import { freshStatus } from '../engine/chains.js';
import type { ChainState } from '../engine/chains.js';
import { constantSchedule } from '../samplers/schedule.js';
import { Streams } from '../engine/streams.js';
import { VERSION } from '../version.js';
import {
  benchCases,
  benchProblem,
  FAMILIES,
  FAMILY_NAMES,
  flopsPerElementStep,
  paramBytesPerElementStep,
  RNG_TRANSCENDENTALS_PER_ELEMENT,
  STATE_BYTES_PER_ELEMENT_STEP,
  UNAVAILABLE,
} from './cases.js';
import type { BenchCase, FamilyName, SizeName } from './cases.js';
import { cpuSnapshot, machineInfo, measureHostBandwidth, nominalGpuBandwidth, otherCpus } from './machine.js';
import type { Bandwidth, MachineInfo } from './machine.js';
import { numpyPeerAvailability, runPeerScript, runTorchPeers } from './peers.js';
import type { PeerOutcome, PeerRow } from './peers.js';
import { median } from '../math/numeric.js';

export interface BenchOptions {
  device: Device;
  families?: readonly FamilyName[];
  sizes?: readonly SizeName[];
  quick?: boolean;
  steps?: number; // override every case's step count
  reps?: number; // timed calls per case (the best is reported, the median too); default 3, quick 1
  threads?: number; // CPU threads, 0 = all
  /** Run the peers: true, false, or undefined = when their Python modules are found. */
  peers?: boolean;
  /** Double the step count until the warm-up call takes at least this long (default: 0 on CPU, 0.2 s on CUDA). */
  minSeconds?: number;
  /** Before each measurement, wait up to this many seconds for other processes to leave the CPUs idle, and repeat disturbed measurements (up to 4 tries; default 0: off). */
  settle?: number;
  command?: string; // the command line, recorded in the report
  log?: (line: string) => void; // progress lines (stderr in the CLI)
}

export interface PeerResult {
  elementStepsPerSec: number;
  elementStepsPerSecMedian?: number;
  steps: number;
  seconds: number;
  otherCpus?: number | null;
  /** langevin ÷ peer, element-steps/s. */
  ratio: number;
}

export interface BenchRow {
  family: FamilyName;
  size: SizeName;
  chains: number;
  d: number;
  m: number;
  K: number;
  steps: number;
  reps: number;
  seconds: number; // best (shortest) of reps timed runPhase calls: the least disturbed by other load
  secondsMedian: number;
  elementStepsPerSec: number; // from the best time
  elementStepsPerSecMedian: number;
  chainStepsPerSec: number;
  nsPerElementStep: number;
  bytesPerElementStep: number; // compulsory: state read + write
  paramBytesPerElementStep: number; // shared parameters loaded per element (from cache)
  flopsPerElementStep: number;
  gflops: number;
  /** elementStepsPerSec × bytesPerElementStep ÷ the measured copy bandwidth. */
  bandwidthFraction: number | null;
  diverged: number; // chains frozen as non-finite (should be 0: frozen chains skip work)
  /** CPUs other processes kept busy during the timed calls (Linux; null elsewhere). */
  otherCpus: number | null;
  peers: Record<string, PeerResult>;
}

export interface BenchReport {
  tool: 'langevin bench';
  version: string;
  date: string;
  command: string;
  device: Device;
  deviceDescription: string;
  threads: number;
  quick: boolean;
  skipped?: string;
  machine: MachineInfo;
  bandwidth: Bandwidth | null;
  rooflineElementStepsPerSec: number | null; // bandwidth ÷ bytesPerElementStep
  /** Average CPUs other processes used while langevin's kernels and the peers ran (null: unknown). */
  contention: { langevinOtherCpus: number | null; peersOtherCpus: number | null };
  notes: string[];
  results: BenchRow[];
  unavailable: { family: FamilyName; reason: string }[];
  peers: Omit<PeerOutcome, 'rows'>[];
}


interface Timing {
  steps: number;
  times: number[];
  diverged: number;
  otherCpus: number | null; // CPUs other processes used during the timed calls
}

/** Times one case: a warm-up call, then `reps` calls of `steps` steps, continuing the chains. */
export async function timeCase(device: Device, threads: number, c: BenchCase, reps: number, minSeconds = 0): Promise<Timing> {
  const p = benchProblem(c.family, c.chains, c.d);
  const ctx: RunContext = {
    device,
    threads,
    seed: 20261123n,
    chainOffset: 0,
    prior: priorTables(p.prior),
    operator: operatorTables(p.operator),
    y: Float32Array.from(p.y),
  };
  let state: ChainState = { chains: c.chains, dim: c.d, x: Float32Array.from(p.x0), status: freshStatus(c.chains) };
  let offset = 0;
  const call = async (steps: number) => {
    const schedule = constantSchedule(steps, p.step);
    const t0 = process.hrtime.bigint();
    state = await runPhase(ctx, { name: 'bench', stream: Streams.phaseBase, schedule, stepOffset: offset }, state);
    const t = Number(process.hrtime.bigint() - t0) / 1e9;
    offset += steps;
    return t;
  };
  let steps = c.steps;
  const warm = await call(steps); // warm-up: first-touch, thread start, device context
  if (minSeconds > 0 && warm < minSeconds) {
    const f = 2 ** Math.min(12, Math.ceil(Math.log2(minSeconds / Math.max(warm, 1e-6))));
    steps *= f;
  }
  const times: number[] = [];
  const snap = cpuSnapshot();
  for (let r = 0; r < reps; r++) times.push(await call(steps));
  const busy = otherCpus(snap, cpuSnapshot());
  let diverged = 0;
  for (const s of state.status) if (s >= 0) diverged++;
  return { steps, times, diverged, otherCpus: busy };
}

export function rowOf(c: BenchCase, t: Timing, bandwidth: Bandwidth | null): BenchRow {
  const seconds = Math.min(...t.times);
  const elements = c.chains * c.d * t.steps;
  const eps = elements / seconds;
  const flops = flopsPerElementStep(c);
  return {
    family: c.family,
    size: c.size,
    chains: c.chains,
    d: c.d,
    m: c.m,
    K: c.K,
    steps: t.steps,
    reps: t.times.length,
    seconds,
    secondsMedian: median(t.times),
    elementStepsPerSec: eps,
    elementStepsPerSecMedian: elements / median(t.times),
    chainStepsPerSec: (c.chains * t.steps) / seconds,
    nsPerElementStep: 1e9 / eps,
    bytesPerElementStep: STATE_BYTES_PER_ELEMENT_STEP,
    paramBytesPerElementStep: paramBytesPerElementStep(c),
    flopsPerElementStep: flops,
    gflops: (eps * flops) / 1e9,
    bandwidthFraction: bandwidth ? (eps * STATE_BYTES_PER_ELEMENT_STEP) / bandwidth.bytesPerSecond : null,
    diverged: t.diverged,
    otherCpus: t.otherCpus === null ? null : Math.round(t.otherCpus * 100) / 100,
    peers: {},
  };
}

function notes(device: Device): string[] {
  const common = [
    'element-step = one coordinate of one chain advanced by one fused step x ← x + h(∇log p_{a,b}(x) + c·Aᵀ(y − Ax)) + √(2h)ξ, with ξ from Philox4x32-10 + Box–Muller; timed end to end through runPhase (marshalling, thread or kernel launches, copies in and out included).',
    `bytesPerElementStep = ${STATE_BYTES_PER_ELEMENT_STEP} B: the state is read and written once. Every parameter (means, variances, eigenvectors, operator, y) is shared by all chains and served from cache; paramBytesPerElementStep lists those loads and is not counted against memory bandwidth.`,
    `flopsPerElementStep counts the drift and update arithmetic only; the normal generator adds 10 Philox rounds per 4 elements and ${RNG_TRANSCENDENTALS_PER_ELEMENT} elementary functions (log, sqrt, sin, cos: polynomials in native/core/fastmath.h) per element.`,
    'Peers implement the same update with their own RNG (NumPy: default_rng().standard_normal(dtype=float32); torch: torch.randn); ratio = langevin element-steps/s ÷ peer element-steps/s. Both report the best of their timed repetitions (the median is in the JSON). A peer may run fewer steps than langevin on a case (it stops near --max-seconds per case); rates are per element-step.',
  ];
  if (device === 'cpu')
    common.push(
      'CPU: the backend advances blocks of 32 chains through a chunk of steps while their rows stay in L1/L2, so the working set is cache-resident and DRAM traffic per element-step is far below 8 B; the DRAM roofline (bandwidth ÷ 8 B) is an upper bound that a kernel streaming the state from memory every step could not exceed, not a limit this backend runs against.',
    );
  else
    common.push(
      'CUDA: the gaussian, gmm-diag and mask families run the elementwise kernel (one block per chain, a chunk of steps fused in one launch, the row in shared memory); gmm-full, dense and blur run the Staged family (per step, chain-batched stages — GEMMs, imaging kernels — then one update kernel; native/cuda/gpu_runner.h). The ceiling is the device-to-device copy bandwidth measured by the torch peer in the same run when available, else the nominal peak (marked as such).',
    );
  return common;
}

/** Waits (up to maxSeconds) until other processes used < 0.1 CPUs over a 1-second window; returns the seconds waited. */
export async function settle(maxSeconds: number): Promise<number> {
  const t0 = Date.now();
  while ((Date.now() - t0) / 1000 < maxSeconds) {
    const a = cpuSnapshot();
    if (!a) return 0;
    await new Promise((r) => setTimeout(r, 1000));
    const o = otherCpus(a, cpuSnapshot());
    if (o === null || o < 0.1) break;
  }
  return (Date.now() - t0) / 1000;
}

/** Runs the benchmark. A missing CUDA backend gives a report with `skipped` set and no rows. */
export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const log = opts.log ?? (() => {});
  const device = opts.device;
  const families = opts.families ?? FAMILY_NAMES;
  for (const f of families) if (!FAMILY_NAMES.includes(f)) throw new LangevinError('E_OPTION', `unknown family '${f}' (expected ${FAMILY_NAMES.join(', ')})`, '--families');
  const quick = opts.quick === true;
  const reps = opts.reps ?? (quick ? 1 : 3);
  const threads = opts.threads ?? 0;
  const haveCuda = backends().includes('cuda');
  const report: BenchReport = {
    tool: 'langevin bench',
    version: VERSION,
    date: new Date().toISOString(),
    command: opts.command ?? '',
    device,
    deviceDescription: device === 'cuda' && !haveCuda ? 'cuda (unavailable)' : describeDevice(device),
    threads: device === 'cpu' ? (threads > 0 ? threads : machineInfo(false).addonCpuThreads) : 0,
    quick,
    machine: machineInfo(device === 'cuda' && haveCuda),
    bandwidth: null,
    rooflineElementStepsPerSec: null,
    contention: { langevinOtherCpus: null, peersOtherCpus: null },
    notes: notes(device),
    results: [],
    unavailable: families.filter((f) => UNAVAILABLE[f]).map((f) => ({ family: f, reason: UNAVAILABLE[f]! })),
    peers: [],
  };
  if (device === 'cuda' && !haveCuda) {
    report.skipped = 'CUDA benchmarks skipped: this process has no CUDA backend (no GPU, no driver, or an addon built without nvcc); run on the GPU host: bash scripts/gpu-pack.sh here, then bash scripts/gpu-run.sh bench there';
    return report;
  }
  const cases = benchCases(families, { quick, sizes: opts.sizes, steps: opts.steps });

  if (device === 'cpu') {
    log('measuring host memory bandwidth ...');
    report.bandwidth = measureHostBandwidth(quick ? { bytes: 32 * 2 ** 20, reps: 4 } : {});
  }

  // On the CPU the NumPy peer runs right after each of our cases (one Python process per case),
  // so that both see the same machine state; our kernels and the peer never run at once.
  const wantPeers = opts.peers !== false;
  const peerOpts = { reps: quick ? 1 : reps, maxSeconds: quick ? 0.3 : 2, threads };
  const numpy = wantPeers && device === 'cpu' ? numpyPeerAvailability() : undefined;
  const numpyOutcome: PeerOutcome | undefined = numpy
    ? 'reason' in numpy
      ? { peer: 'numpy', available: false, reason: numpy.reason, rows: [] }
      : { peer: 'numpy', available: true, version: numpy.version, rows: [] }
    : undefined;
  if (numpyOutcome && !numpyOutcome.available) log(`peer numpy not run: ${numpyOutcome.reason}`);

  const timings: { c: BenchCase; t: Timing }[] = [];
  let ownTime = 0;
  let peerTime = 0;
  const busy = { own: 0, peer: 0 };
  for (const c of cases) {
    log(`${device} ${c.family} ${c.size} (${c.chains} chains × d ${c.d}, ${c.steps} steps) ...`);
    // With --settle, a measurement disturbed by other processes (> 0.1 CPUs busy) is repeated,
    // up to 4 tries, keeping the least disturbed one.
    const tries = opts.settle ? 4 : 1;
    let t: Timing | undefined;
    for (let k = 0; k < tries; k++) {
      if (opts.settle) await settle(opts.settle);
      const s0 = cpuSnapshot();
      const tk = await timeCase(device, threads, c, reps, opts.minSeconds ?? (device === 'cuda' ? 0.2 : 0));
      const s1 = cpuSnapshot();
      if (s0 && s1) {
        ownTime += s1.wall - s0.wall;
        busy.own += (otherCpus(s0, s1) ?? 0) * (s1.wall - s0.wall);
      }
      if (!t || (tk.otherCpus ?? 0) < (t.otherCpus ?? 0)) t = tk;
      if ((tk.otherCpus ?? 0) <= 0.1) break;
      log(`  disturbed (${tk.otherCpus?.toFixed(2)} other CPUs busy)${k + 1 < tries ? ': again' : ''}`);
    }
    const timed = { ...c, steps: t!.steps };
    timings.push({ c: timed, t: t! });
    if (numpyOutcome?.available && numpy && !('reason' in numpy)) {
      log(`  peer numpy (scripts/bench_numpy.py) ...`);
      let best: PeerRow | undefined;
      for (let k = 0; k < tries && numpyOutcome.available; k++) {
        if (opts.settle) await settle(opts.settle);
        const s1p = cpuSnapshot();
        const r = await runPeerScript(numpy.script, [timed], peerOpts);
        const s2 = cpuSnapshot();
        if (s1p && s2) {
          peerTime += s2.wall - s1p.wall;
          busy.peer += (otherCpus(s1p, s2) ?? 0) * (s2.wall - s1p.wall);
        }
        if (!r.ok) {
          numpyOutcome.available = false;
          numpyOutcome.reason = r.reason;
          log(`peer numpy failed: ${r.reason}`);
          break;
        }
        numpyOutcome.version = String(r.json.version ?? numpyOutcome.version);
        numpyOutcome.details = r.json.details as Record<string, unknown> | undefined;
        const row = ((r.json.results as PeerRow[] | undefined) ?? [])[0];
        if (row && (!best || (row.otherCpus ?? 0) < (best.otherCpus ?? 0))) best = row;
        if (!row || (row.otherCpus ?? 0) <= 0.1) break;
        log(`  numpy disturbed (${row.otherCpus?.toFixed(2)} other CPUs busy)${k + 1 < tries ? ': again' : ''}`);
      }
      if (best) numpyOutcome.rows.push(best);
    }
  }
  report.contention.langevinOtherCpus = ownTime > 0 ? busy.own / ownTime : null;
  report.contention.peersOtherCpus = peerTime > 0 ? busy.peer / peerTime : null;

  const outcomes: PeerOutcome[] = numpyOutcome ? [numpyOutcome] : [];
  if (wantPeers && device === 'cuda' && cases.length) {
    // torch.compile warms up once per process: the GPU peers take all cases in one run.
    log('peers: torch eager + torch.compile (scripts/bench_torch.py) ...');
    const s0 = cpuSnapshot();
    outcomes.push(...(await runTorchPeers(timings.map((x) => x.c), peerOpts)));
    report.contention.peersOtherCpus = otherCpus(s0, cpuSnapshot());
    for (const o of outcomes) if (!o.available) log(`peer ${o.peer} not run: ${o.reason}`);
  }
  if (opts.peers === true && outcomes.every((o) => !o.available)) report.notes.push('peers were requested (--peers) but none could run; see peers[].reason');
  if (device === 'cuda') {
    const measured = outcomes.find((o) => o.bandwidth)?.bandwidth;
    report.bandwidth = measured ? { ...measured, source: 'peer' } : (nominalGpuBandwidth(report.machine.gpu?.name) ?? null);
  }
  report.rooflineElementStepsPerSec = report.bandwidth ? report.bandwidth.bytesPerSecond / STATE_BYTES_PER_ELEMENT_STEP : null;

  for (const { c, t } of timings) {
    const row = rowOf(c, t, report.bandwidth);
    for (const o of outcomes) {
      const pr = o.rows.find((r) => r.family === c.family && r.size === c.size);
      if (pr && pr.elementStepsPerSec > 0)
        row.peers[o.peer] = { elementStepsPerSec: pr.elementStepsPerSec, elementStepsPerSecMedian: pr.elementStepsPerSecMedian, steps: pr.steps, seconds: pr.seconds, otherCpus: pr.otherCpus ?? null, ratio: row.elementStepsPerSec / pr.elementStepsPerSec };
    }
    report.results.push(row);
  }
  report.peers = outcomes.map(({ rows: _rows, ...rest }) => rest);
  for (const [what, v] of Object.entries(report.contention))
    if (v !== null && v > 0.1) report.notes.push(`contention: other processes kept ${v.toFixed(2)} CPUs busy on average while ${what === 'langevinOtherCpus' ? "langevin's kernels" : 'the peers'} ran; the numbers are lower than on an idle machine`);
  for (const r of report.results) if (r.diverged > 0) report.notes.push(`${r.family}/${r.size}: ${r.diverged} chains diverged during the run (frozen chains skip work; the rate is inflated)`);
  return report;
}

export { FAMILIES };
