// SPDX-License-Identifier: MIT
// `langevin worker`: take sampling jobs from a BullMQ queue on Redis until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { LangevinError } from '../../errors.js';
import type { DeviceRequest } from '../../engine/device.js';
import { startWorker } from '../../queue/worker.js';
import { intOption } from '../parseNumbers.js';
import { interruptSignal, receivedSignal } from '../signal.js';

interface WorkerFlags {
  redis: string;
  queue: string;
  device: DeviceRequest;
  concurrency: number;
  threads?: number;
  lockMs?: number;
  quiet?: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run sampling jobs from a Redis queue (see `langevin submit`); stops cleanly on SIGINT/SIGTERM')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://10.0.0.5:6379')
    .requiredOption('--queue <name>', 'queue name (the same as the submitters\')')
    .option('--device <d>', 'auto | cpu | cuda', 'auto')
    .option('--concurrency <n>', 'jobs run at once by this process', intOption('--concurrency'), 1)
    .option('--threads <n>', 'CPU threads per job (default: all cores)', intOption('--threads'))
    .option('--lock-ms <ms>', 'job lock lifetime: a worker silent this long is presumed dead and its job retried elsewhere', intOption('--lock-ms'))
    .option('--quiet', 'no per-job lines on stderr')
    .action(async (flags: WorkerFlags) => {
      if (flags.concurrency < 1 || flags.concurrency > 64) throw new LangevinError('E_OPTION', '--concurrency: expected an integer from 1 to 64', '--concurrency');
      if (flags.lockMs !== undefined && flags.lockMs < 1000) throw new LangevinError('E_OPTION', '--lock-ms: expected at least 1000', '--lock-ms');
      const say = flags.quiet ? undefined : (line: string) => process.stderr.write(`langevin worker: ${line}\n`);
      const w = await startWorker({ redis: flags.redis, queue: flags.queue, device: flags.device, concurrency: flags.concurrency, threads: flags.threads, lockMs: flags.lockMs, onEvent: say });
      const interrupt = interruptSignal();
      await new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
      say?.('stopping (jobs in flight go back to the queue)');
      await w.close();
      interrupt.dispose();
      throw new LangevinError('E_ABORTED', `the worker stopped (${receivedSignal})`);
    });
}
