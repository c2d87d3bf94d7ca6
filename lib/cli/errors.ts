// SPDX-License-Identifier: MIT
// Exit codes: 2 for bad input (the user's to fix), 1 for failures at run time, 3 for a run that
// failed its own accuracy checks under --strict, 130 for cancellation (SIGINT), 143 for SIGTERM.
import { LangevinError } from '../errors.js';
import { receivedSignal } from './signal.js';

const INPUT_ERRORS = new Set(['E_SHAPE', 'E_VALUE', 'E_NONFINITE', 'E_OPTION', 'E_FILE', 'E_UNSUPPORTED', 'E_DEPENDENCY']);

export function exitCodeOf(err: unknown): number {
  if (!(err instanceof LangevinError)) return 1;
  if (err.code === 'E_ABORTED') return receivedSignal === 'SIGTERM' ? 143 : 130;
  if (err.code === 'E_INACCURATE') return 3;
  return INPUT_ERRORS.has(err.code) ? 2 : 1;
}

/** One line for the terminal: no stack trace for expected errors, the stack for bugs. */
export function reportError(err: unknown): void {
  if (err instanceof LangevinError && err.code === 'E_INACCURATE') {
    const warnings = (err.result as { summary?: { warnings?: string[] } } | undefined)?.summary?.warnings ?? [err.message];
    for (const w of warnings) process.stderr.write(`langevin: warning: ${w}\n`);
    process.stderr.write('langevin: E_INACCURATE: the run failed its own checks (--strict); no output written\n');
  } else if (err instanceof LangevinError) process.stderr.write(`langevin: ${err.code}: ${err.message}\n`);
  else process.stderr.write(`langevin: internal error (please report): ${(err as Error)?.stack ?? String(err)}\n`);
}
