// SPDX-License-Identifier: MIT
// Progress on stderr, by --progress: 'bar' (a terminal bar), 'json' (one JSON line per update, for
// services and CI logs: {"phase","done","total","elapsedMs"}), 'none', or 'auto' (the bar when
// stderr is a terminal, else nothing, so pipes and --json consumers see clean output).
import cliProgress from 'cli-progress';
import { invalid } from '../errors.js';
import type { Progress } from '../engine/phase.js';

export const PROGRESS_MODES = ['auto', 'bar', 'json', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];
export const PROGRESS_HELP = 'progress on stderr: auto (a bar on a terminal) | bar | json (JSON lines) | none';

/** The commander argument parser of --progress. */
export function progressModeOption(v: string): ProgressMode {
  if ((PROGRESS_MODES as readonly string[]).includes(v)) return v as ProgressMode;
  throw invalid('E_OPTION', '--progress', PROGRESS_MODES.join(' | '), v);
}

export interface ProgressReporter {
  onProgress?: (p: Progress) => void;
  stop(): void;
}

/** Minimum spacing of JSON lines within one phase; phase starts and ends are always written. */
const JSON_INTERVAL_MS = 250;

export function progressReporter(mode: ProgressMode = 'auto', stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): ProgressReporter {
  const resolved = mode === 'auto' ? (stream.isTTY === true ? 'bar' : 'none') : mode;
  if (resolved === 'none') return { stop() {} };
  if (resolved === 'json') return jsonReporter(stream);
  return barReporter(stream);
}

function jsonReporter(stream: NodeJS.WritableStream): ProgressReporter {
  const t0 = Date.now();
  let phase = '';
  let last = -Infinity;
  return {
    onProgress(p) {
      const now = Date.now();
      if (p.phase === phase && p.done < p.total && now - last < JSON_INTERVAL_MS) return;
      phase = p.phase;
      last = now;
      stream.write(JSON.stringify({ phase: p.phase, done: p.done, total: p.total, elapsedMs: now - t0 }) + '\n');
    },
    stop() {},
  };
}

function barReporter(stream: NodeJS.WritableStream): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    { stream, format: '{phase} [{bar}] {percentage}% | {value}/{total} steps | {duration_formatted}', hideCursor: true, clearOnComplete: true },
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
