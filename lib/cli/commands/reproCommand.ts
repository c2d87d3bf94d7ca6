// SPDX-License-Identifier: MIT
import type { Command } from 'commander';
import type { DeviceRequest } from '../../engine/device.js';
import { invalid } from '../../errors.js';
import { REPRO_NAMES, REPROS } from '../../repro/index.js';
import type { ReproName, ReproResultBase } from '../../repro/index.js';
import type { AlmcWarmstartResult } from '../../repro/almc-warmstart.js';
import type { DalmcKappaResult } from '../../repro/dalmc-kappa.js';
import type { GmmWeightsResult } from '../../repro/gmm-weights.js';
import type { XgpFigure3Result } from '../../repro/xgp-figure3.js';
import { intOption, seedOption } from '../parseNumbers.js';
import { PROGRESS_HELP, progressModeOption, progressReporter, type ProgressMode } from '../progressBar.js';
import { interruptSignal } from '../signal.js';

/** The headline numbers of a repro, a line each. */
function headline(r: ReproResultBase): string[] {
  const f = (v: number, digits = 3) => v.toFixed(digits);
  switch (r.name) {
    case 'gmm-weights': {
      const g = r as GmmWeightsResult;
      return [
        `exact weights:     ${g.exactWeights.map((w) => f(w)).join('  ')}   (TV sampling floor ≈ ${f(g.tvSamplingFloor)})`,
        ...g.runs.map((x) => `${x.label.padEnd(18)} ${x.weights.map((w) => f(w)).join('  ')}   TV ${f(x.totalVariation)}   ${f(x.seconds, 2)} s`),
      ];
    }
    case 'almc-warmstart': {
      const a = r as AlmcWarmstartResult;
      return a.problems.flatMap((p) => [
        `${p.label} (κ_default ${f(p.kappaDefault, 2)}; tilted Gaussian ${f(p.tiltedDistanceSd, 2)} sd from 0), with / without warm start:`,
        ...p.coupling.map((c) => {
          const [w, n] = (['warm start', 'no warm start'] as const).map((v) => p.points.find((q) => q.kappaMultiplier === c.kappaMultiplier && q.variant === v)!);
          return `  κ×${String(c.kappaMultiplier).padEnd(6)} TV ${f(w.totalVariation)} / ${f(n.totalVariation)}   ‖Δmean‖ ${f(w.meanError)} / ${f(n.meanError)}   RMS ‖x_warm − x_cold‖ ${c.rmsDistance.toExponential(2)}`;
        }),
      ]);
    }
    case 'xgp-figure3': {
      const x = r as XgpFigure3Result;
      const s = x.simulated;
      return [`min Var(X_t): simulated ${f(s.minVariance, 5)} at t = ${s.tAtMin} (SE ${f(s.standardError, 5)}, z = ${f(s.zScore, 2)}); exact ${f(x.exact.minVariance, 5)} at t* = ${x.exact.tStar}`];
    }
    case 'dalmc-kappa': {
      const k = r as DalmcKappaResult;
      return [
        `floor (exact draws): TV ${f(k.floor.totalVariation, 4)}, moments ${f(k.floor.momentError, 4)}; fitted slopes: TV ${k.slopes.totalVariation}, moments ${k.slopes.momentError}`,
        ...k.points.map((p) => `  κ ${String(p.kappa).padEnd(9)} TV ${f(p.totalVariation, 4)}   moments ${f(p.momentError, 4)}   KL bound ${f(p.klBound)}   ${f(p.seconds, 2)} s`),
      ];
    }
    default:
      return [];
  }
}

export function registerRepro(program: Command): void {
  program
    .command('repro')
    .description(`reproduce a figure or check of the papers (SVG + JSON): ${REPRO_NAMES.join(', ')}, or all`)
    .argument('<name>', `${REPRO_NAMES.join(' | ')} | all`)
    .option('--out <dir>', 'output directory (the repo regenerates its figures with --out docs/repro)', 'langevin-repro')
    .option('--chains <n>', "chains per run (default: each repro's own)", intOption('--chains'))
    .option('--seed <s>', 'random seed', seedOption, 0)
    .option('--device <d>', 'auto | cpu | cuda', 'auto')
    .option('--progress <mode>', PROGRESS_HELP, progressModeOption, 'auto' as ProgressMode)
    .action(async (name: string, flags: { out: string; chains?: number; seed: number | bigint; device: DeviceRequest; progress: ProgressMode }) => {
      const names = name === 'all' ? REPRO_NAMES : [name as ReproName];
      for (const n of names) if (!REPRO_NAMES.includes(n)) throw invalid('E_OPTION', '<name>', `${REPRO_NAMES.join(' | ')} | all`, name);
      if (flags.chains !== undefined && flags.chains < 2) throw invalid('E_OPTION', '--chains', 'an integer ≥ 2', flags.chains);
      const progress = progressReporter(flags.progress);
      const interrupt = interruptSignal();
      try {
        for (const n of names) {
          const r = await REPROS[n].run({ outDir: flags.out, chains: flags.chains, seed: flags.seed, device: flags.device, onProgress: progress.onProgress, signal: interrupt.signal });
          progress.stop();
          process.stdout.write([`${n}: ${r.title}`, ...headline(r).map((l) => `  ${l}`), `  ${r.seconds.toFixed(1)} s; wrote ${r.files.svg} and ${r.files.json}`].join('\n') + '\n');
        }
      } finally {
        progress.stop();
        interrupt.dispose();
      }
    });
}
