// SPDX-License-Identifier: MIT
// A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, --json consumers).
import cliProgress from 'cli-progress';
import type { Progress } from '../phase.js';

export function progressReporter(enabled = process.stderr.isTTY === true): { onProgress?: (p: Progress) => void; stop(): void } {
  if (!enabled) return { stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{phase} [{bar}] {percentage}% | {value}/{total} steps | {duration_formatted}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let current = '';
  return {
    onProgress(p) {
      if (p.phase !== current) {
        if (current) bar.stop();
        current = p.phase;
        bar.start(p.total, 0, { phase: p.phase.padEnd(12) });
      }
      bar.update(p.done, { phase: p.phase.padEnd(12) });
    },
    stop() {
      if (current) bar.stop();
    },
  };
}
