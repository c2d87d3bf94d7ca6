// SPDX-License-Identifier: MIT
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../../errors.js';
import { resolveDevice } from '../../engine/device.js';
import type { Device, DeviceRequest } from '../../engine/device.js';
import { FAMILY_NAMES, SIZE_NAMES } from '../../bench/cases.js';
import type { FamilyName, SizeName } from '../../bench/cases.js';
import { runBench } from '../../bench/run.js';
import { formatMarkdown, formatText, rooflineSvg } from '../../bench/report.js';
import { intOption } from '../parseNumbers.js';

interface BenchFlags {
  device: string;
  json?: boolean;
  markdown?: boolean;
  quick?: boolean;
  families: string;
  sizes?: string;
  peers?: boolean;
  steps?: number;
  reps?: number;
  threads: number;
  roofline?: string;
  saveJson?: string;
  settle?: number;
}

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of items) if (!allowed.includes(s as T)) throw invalid('E_OPTION', flag, allowed.join(' | '), s);
  if (!items.length) throw invalid('E_OPTION', flag, `a comma-separated subset of ${allowed.join(',')}`, value);
  return items as T[];
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('kernel throughput (element-steps/s) per kernel family and size, against the measured memory bandwidth and peer implementations (NumPy on CPU, PyTorch on CUDA)')
    .option('--device <d>', 'auto | cpu | cuda', 'auto')
    .option('--json', 'print one JSON object')
    .option('--markdown', 'print Markdown tables (as in BENCHMARKS.md)')
    .option('--quick', 'small size only, a tenth of the steps, one timed call (a smoke run)')
    .option('--families <list>', `comma-separated subset of ${FAMILY_NAMES.join(',')}`, FAMILY_NAMES.join(','))
    .option('--sizes <list>', `comma-separated subset of ${SIZE_NAMES.join(',')}`)
    .option('--peers', 'run the peer implementations (default: when python3 with numpy / torch is found)')
    .option('--no-peers', 'do not run peers')
    .option('--steps <n>', 'steps per timed call for every case (default: per case)', intOption('--steps'))
    .option('--reps <n>', 'timed calls per case; the median is reported (default 3, quick 1)', intOption('--reps'))
    .option('--threads <n>', 'CPU threads (0 = all)', intOption('--threads'), 0)
    .option('--roofline <file.svg>', 'also write the roofline figure as SVG')
    .option('--settle <seconds>', 'before each measurement wait up to this long for other processes to leave the CPUs idle (shared machines)', intOption('--settle'))
    .option('--save-json <file.json>', 'also write the JSON report to a file (whatever is printed)')
    .action(async (flags: BenchFlags) => {
      const req = flags.device as DeviceRequest;
      if (req !== 'auto' && req !== 'cpu' && req !== 'cuda') throw invalid('E_OPTION', '--device', "'auto', 'cpu' or 'cuda'", flags.device);
      // An explicit cuda request on a machine without it is reported (skipped), not an error.
      const device: Device = req === 'cuda' ? 'cuda' : resolveDevice(req, '--device');
      if (flags.steps === 0) throw invalid('E_OPTION', '--steps', 'a positive integer', 0);
      if (flags.reps === 0) throw invalid('E_OPTION', '--reps', 'a positive integer', 0);
      const quiet = flags.json || flags.markdown || !process.stderr.isTTY;
      const report = await runBench({
        device,
        families: list('--families', flags.families, FAMILY_NAMES) as FamilyName[],
        sizes: flags.sizes ? (list('--sizes', flags.sizes, SIZE_NAMES) as SizeName[]) : undefined,
        quick: flags.quick,
        steps: flags.steps,
        reps: flags.reps,
        threads: flags.threads,
        peers: flags.peers,
        settle: flags.settle,
        command: ['langevin', 'bench', ...process.argv.slice(process.argv.indexOf('bench') + 1)].join(' '),
        log: quiet ? undefined : (s) => process.stderr.write(`bench: ${s}\n`),
      });
      if (report.skipped) process.stderr.write(`langevin bench: ${report.skipped}\n`);
      if (flags.roofline && report.results.length) writeFileSync(flags.roofline, rooflineSvg(report));
      if (flags.saveJson) writeFileSync(flags.saveJson, JSON.stringify(report, null, 2) + '\n');
      if (flags.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else if (flags.markdown) process.stdout.write(formatMarkdown(report));
      else process.stdout.write(formatText(report));
    });
}
