// SPDX-License-Identifier: MIT
// Entry point of the patch-GMM E-step worker threads (started by EStep in patchGmmEStep.ts).
import { workerData } from 'node:worker_threads';
import { serveEStep, type EStepWorkerData } from './patchGmmEStep.js';

serveEStep(workerData as EStepWorkerData);
