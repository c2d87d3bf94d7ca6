// SPDX-License-Identifier: MIT
// `langevin submit`: one run split into chain ranges over the queue's workers, assembled into the
// .npy the same run writes on one machine.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LangevinError } from '../../errors.js';
import { writeNpyFile } from '../../io/npy.js';
import { submitSplit } from '../../queue/submit.js';
import { intOption } from '../parseNumbers.js';
import { addRunFlags, checkRunFlags, runOptions, type RunFlags } from '../runFlags.js';
import { progressReporter } from '../progressBar.js';
import { interruptSignal } from '../signal.js';

interface SubmitFlags extends RunFlags {
  redis: string;
  queue: string;
  parts?: number;
  attempts?: number;
  sharedDir?: string;
}

export function registerSubmit(program: Command): void {
  const cmd = program
    .command('submit')
    .description('run a sampling job on the workers of a Redis queue, split into chain ranges; output identical to `langevin sample`')
    .argument('<problem>', 'problem JSON file (file references must be readable at the same path on the workers)')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://10.0.0.5:6379')
    .requiredOption('--queue <name>', 'queue name (the same as the workers\')')
    .option('--parts <n>', 'chain ranges (jobs) to split the run into (default: one per 4096 chains)', intOption('--parts'))
    .option('--attempts <n>', 'tries per job before the run fails', intOption('--attempts'))
    .option('--shared-dir <dir>', 'workers write part .npy files here (storage every host mounts) instead of sending samples through Redis');
  addRunFlags(cmd)
    .action(async (problemPath: string, flags: SubmitFlags) => {
      if (flags.parts !== undefined && (flags.parts < 1 || flags.parts > 100_000)) throw new LangevinError('E_OPTION', '--parts: expected an integer from 1 to 100000', '--parts');
      if (flags.attempts !== undefined && (flags.attempts < 1 || flags.attempts > 100)) throw new LangevinError('E_OPTION', '--attempts: expected an integer from 1 to 100', '--attempts');
      checkRunFlags(flags);
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(problemPath, 'utf8'));
      } catch (err) {
        throw new LangevinError('E_FILE', `${problemPath}: cannot read the problem file as JSON (${(err as NodeJS.ErrnoException).code ?? 'invalid JSON'})`, '<problem>');
      }
      const progress = progressReporter(flags.progress);
      const interrupt = interruptSignal();
      try {
        const result = await submitSplit(
          raw,
          dirname(resolve(problemPath)),
          {
            ...runOptions(flags),
            strict: false, // the assembled run is checked below, not each part
          },
          {
            redis: flags.redis,
            queue: flags.queue,
            parts: flags.parts,
            attempts: flags.attempts,
            sharedDir: flags.sharedDir ? resolve(flags.sharedDir) : undefined,
            signal: interrupt.signal,
            onProgress: progress.onProgress ? (p) => progress.onProgress!({ phase: `${p.partsDone}/${p.parts} parts`, done: Math.round(1000 * p.fraction), total: 1000 }) : undefined,
          },
        );
        progress.stop();
        for (const w of result.summary.warnings) process.stderr.write(`langevin: warning: ${w}\n`);
        if (flags.strict && result.summary.warnings.length > 0)
          throw new LangevinError('E_INACCURATE', `the assembled run failed ${result.summary.warnings.length} of its checks`, undefined, { result });
        if (flags.out) writeNpyFile(flags.out, result.samples, result.shape);
        const summary = { ...result.summary, out: flags.out ?? null };
        if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else {
          const s = result.summary;
          const retried = s.parts.filter((p) => p.attempts > 1).length;
          process.stdout.write(
            `${s.sampler}: ${s.chains} chains × ${s.dim} dims in ${s.parts.length} parts on ${new Set(s.parts.map((p) => p.worker)).size} worker(s) in ${s.seconds.toFixed(2)} s${retried ? ` (${retried} part(s) retried)` : ''}\n` +
              `  diverged chains: ${s.diagnostics.divergence.diverged}\n` +
              (s.diagnostics.exact ? `  vs exact posterior: mode-weight TV ${s.diagnostics.exact.modeWeights.totalVariation.toFixed(3)}\n` : '') +
              `  checks: ${s.warnings.length === 0 ? 'passed' : `${s.warnings.length} warning(s), see stderr`}\n` +
              (flags.out ? `  samples: ${flags.out}\n` : ''),
          );
        }
      } finally {
        progress.stop();
        interrupt.dispose();
      }
    });
}
