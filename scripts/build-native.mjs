#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Builds the native addon. On `npm install` (--if-no-prebuilt) it first looks for a prebuilt addon
// shipped in prebuilds/ that loads on this machine and, if there is one, skips compiling. Otherwise:
// cmake-js when it is installed (a devDependency: CPU + CUDA when nvcc is found), then node-gyp's
// CPU-only binding.gyp (npm's bundled node-gyp, so no compiler tooling is a runtime dependency).
// Flags: --if-no-prebuilt, --cpu-only (skip CUDA), --debug, --sanitize (ASan+UBSan, CPU only).
// Env: LANGEVIN_CUDA=0 (no CUDA), LANGEVIN_PREBUILT=0 (always build from source).
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

/** The path of an installed package's bin script, or undefined when the package is not installed. */
function binOf(pkg, bin) {
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), bin);
  } catch {
    return undefined;
  }
}

/** A prebuilt addon that matches and loads here, or undefined (dist/ is absent in a git checkout). */
async function usablePrebuilt() {
  if (process.env.LANGEVIN_PREBUILT === '0') return undefined;
  let loader;
  try {
    loader = await import('../dist/lib/engine/nativeLoader.js');
  } catch {
    return undefined;
  }
  const choice = loader.choosePrebuilt(root, loader.currentHost());
  if (choice.kind !== 'prebuilt') {
    for (const reason of choice.reasons) console.log(`langevin: ${reason}`);
    return undefined;
  }
  try {
    require(choice.path);
    return choice;
  } catch (err) {
    console.log(`langevin: prebuilt ${choice.manifest.variant} does not load here (${err.message.split('\n')[0]})`);
    return undefined;
  }
}

if (args.has('--if-no-prebuilt')) {
  const choice = await usablePrebuilt();
  if (choice) {
    const m = choice.manifest;
    console.log(`langevin: using prebuilt ${m.platform}-${m.arch} ${m.variant} addon (N-API ${m.napiVersion}); skipping the source build`);
    process.exit(0);
  }
  console.log('langevin: building the native addon from source (about 1 minute; CUDA adds several)');
}

const cmakeJs = binOf('cmake-js', 'bin/cmake-js');
const cmakeArgs = [cmakeJs, 'compile', '--out', 'build'];
if (cpuOnly) cmakeArgs.push('--CDLANGEVIN_CUDA=OFF');
if (args.has('--debug')) cmakeArgs.push('--debug');
if (args.has('--sanitize')) cmakeArgs.push('--CDLANGEVIN_SANITIZE=ON');
// Build against the headers that ship beside this node (offline) unless npm already names a nodedir;
// both cmake-js and node-gyp read npm_config_nodedir, and otherwise download headers.
const localPrefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(localPrefix, 'include', 'node', 'node_api.h'))) {
  process.env.npm_config_nodedir = localPrefix;
}

if (cmakeJs) {
  if (run(process.execPath, cmakeArgs)) process.exit(0);
  console.warn('langevin: cmake-js build failed; falling back to node-gyp (CPU backend only)');
} else {
  console.log('langevin: cmake-js is not installed; building the CPU backend with node-gyp');
}
// npm runs install scripts with npm_config_node_gyp pointing at its bundled node-gyp.
const nodeGyp = process.env.npm_config_node_gyp ?? binOf('node-gyp', 'bin/node-gyp.js');
if (nodeGyp && run(process.execPath, [nodeGyp, 'rebuild'])) process.exit(0);
console.error('langevin: could not build the native addon. Possible solutions:\n' +
  '  - install a C++17 compiler and cmake (apt-get install g++ cmake), and cmake-js for CUDA (npm i -D cmake-js)\n' +
  '  - make Node headers available offline: npm config set nodedir /usr (headers in /usr/include/node)\n' +
  '  - run `npm rebuild langevin` after fixing the toolchain');
process.exit(1);
