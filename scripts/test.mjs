#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// `npm test` after tsc: ava over the compiled tests in two runs. The SIMT-emulation files (the GPU
// kernels on hundreds of host threads each) run second, on their own: run beside the timing tests
// (SIGINT latency, event-loop responsiveness) they would starve them on a 2-core machine.
// Arguments are passed to both runs (e.g. `npm test -- --tap`); exit status is the worse of the two.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EMULATION = /^(simt.*|nativeSelftests)\.test\.js$/;
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'test');
const files = readdirSync(dir).filter((f) => f.endsWith('.test.js'));
const emulation = files.filter((f) => EMULATION.test(f)).map((f) => join(dir, f));
const rest = files.filter((f) => !EMULATION.test(f)).map((f) => join(dir, f));
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ava = join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
const args = process.argv.slice(2);

let status = 0;
for (const group of [rest, emulation]) {
  if (group.length === 0) continue;
  const r = spawnSync(process.execPath, [ava, ...args, ...group], { stdio: 'inherit' });
  status = Math.max(status, r.status ?? 1);
}
process.exit(status);
