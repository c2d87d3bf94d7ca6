#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The `langevin` command line: one command per file under commands/.
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerBench } from './commands/benchCommand.js';
import { registerDemo } from './commands/demoCommand.js';
import { registerFitPrior } from './commands/fitPriorCommand.js';
import { registerPosterior } from './commands/posteriorCommand.js';
import { registerRepro } from './commands/reproCommand.js';
import { registerSample } from './commands/sampleCommand.js';
import { registerSubmit } from './commands/submitCommand.js';
import { registerWorker } from './commands/workerCommand.js';
import { exitCodeOf, reportError } from './errors.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('langevin')
    .description('Batched annealed-Langevin posterior sampling')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError(false);
  registerSample(program);
  registerPosterior(program);
  registerDemo(program);
  registerFitPrior(program);
  registerRepro(program);
  registerBench(program);
  registerWorker(program);
  registerSubmit(program);
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors (unknown flag, missing argument) are bad input: 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    reportError(err);
    return exitCodeOf(err);
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
