#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Builds the native addon on `npm install`: cmake-js first (CPU + CUDA when nvcc is found), and
// node-gyp's CPU-only binding.gyp if that fails (no cmake, broken CUDA toolchain, ...).
// Flags: --cpu-only (skip CUDA), --debug, --sanitize (ASan+UBSan, CPU only). Env: LANGEVIN_CUDA=0.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const cpuOnly = args.has('--cpu-only') || args.has('--sanitize') || process.env.LANGEVIN_CUDA === '0';

function run(cmd, cmdArgs) {
  console.log(`langevin: ${[cmd, ...cmdArgs].join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: process.env });
  return r.status === 0;
}

function binOf(pkg, bin) {
  return join(dirname(require.resolve(`${pkg}/package.json`)), bin);
}

const cmakeArgs = [binOf('cmake-js', 'bin/cmake-js'), 'compile', '--out', 'build'];
if (cpuOnly) cmakeArgs.push('--CDLANGEVIN_CUDA=OFF');
if (args.has('--debug')) cmakeArgs.push('--debug');
if (args.has('--sanitize')) cmakeArgs.push('--CDLANGEVIN_SANITIZE=ON');
// Build against the headers that ship beside this node (offline) unless npm already names a nodedir;
// both cmake-js and node-gyp read npm_config_nodedir, and otherwise download headers.
const localPrefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(localPrefix, 'include', 'node', 'node_api.h'))) {
  process.env.npm_config_nodedir = localPrefix;
}

if (run(process.execPath, cmakeArgs)) process.exit(0);
console.warn('langevin: cmake-js build failed; falling back to node-gyp (CPU backend only)');
if (run(process.execPath, [binOf('node-gyp', 'bin/node-gyp.js'), 'rebuild'])) process.exit(0);
console.error('langevin: could not build the native addon. Possible solutions:\n' +
  '  - install a C++17 compiler and cmake (apt-get install g++ cmake)\n' +
  '  - make Node headers available offline: npm config set nodedir /usr (headers in /usr/include/node)\n' +
  '  - run `npm rebuild langevin` after fixing the toolchain');
process.exit(1);
