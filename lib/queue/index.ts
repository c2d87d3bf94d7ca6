// SPDX-License-Identifier: MIT
// The scale-out entry point, `langevin/queue`: kept apart from the package root so that importing
// 'langevin' does not load bullmq and ioredis.
export { submitSplit } from './submit.js';
export type { SubmitOptions, SplitSummary, SplitResult } from './submit.js';
export { startWorker } from './worker.js';
export type { WorkerOptions, RunningWorker } from './worker.js';
export { redisOptions } from './connection.js';
