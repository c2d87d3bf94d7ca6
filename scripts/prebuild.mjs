#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Builds the prebuilt addons that `npm pack` ships, so installs on this platform need no compiler:
//   prebuilds/<platform>-<arch>/cpu/langevin.node    CPU backend only
//   prebuilds/<platform>-<arch>/cuda/langevin.node   CPU + CUDA backend (only when nvcc is found)
// each beside a manifest.json the loader checks (platform, arch, N-API version, flags, source hash).
// Flags: --if-stale (prepack: rebuild only variants whose manifest's source hash differs),
//        --cpu-only (skip the CUDA variant).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Must equal the NAPI_VERSION define in CMakeLists.txt and binding.gyp.
const NAPI_VERSION = 8;
const target = `${process.platform}-${process.arch}`;
// Offline builds: use the headers beside this node unless npm already names a nodedir.
const localPrefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(localPrefix, 'include', 'node', 'node_api.h'))) {
  process.env.npm_config_nodedir = localPrefix;
}

/** Hash of everything the addon is compiled from, so a stale prebuild is detected. */
function sourceHash() {
  const h = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else { h.update(relative(root, p)); h.update(readFileSync(p)); }
    }
  };
  walk(join(root, 'native'));
  h.update(readFileSync(join(root, 'CMakeLists.txt')));
  return h.digest('hex').slice(0, 16);
}

function hasNvcc() {
  return spawnSync('nvcc', ['--version'], { stdio: 'ignore' }).status === 0;
}

function build(variant, hash) {
  const outDir = join(root, 'prebuilds', target, variant);
  const manifestPath = join(outDir, 'manifest.json');
  if (args.has('--if-stale') && existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (m.sourceHash === hash && m.version === pkg.version) {
      console.error(`langevin prebuild: ${target}/${variant} is up to date`);
      return;
    }
  }
  const buildDir = join(root, 'build-prebuild', variant);
  const flags = variant === 'cpu' ? ['--CDLANGEVIN_CUDA=OFF'] : ['--CDLANGEVIN_CUDA=ON'];
  const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin/cmake-js');
  const cmd = [cmakeJs, 'compile', '--out', relative(root, buildDir), ...flags];
  console.error(`langevin prebuild: ${target}/${variant}: node ${cmd.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, cmd, { cwd: root, stdio: ['ignore', 2, 2], env: process.env }); // stdout stays clean for npm pack --json
  if (r.status !== 0) throw new Error(`prebuild of ${variant} failed (exit ${r.status})`);
  mkdirSync(outDir, { recursive: true });
  copyFileSync(join(buildDir, 'Release', 'langevin.node'), join(outDir, 'langevin.node'));
  const manifest = {
    name: pkg.name,
    version: pkg.version,
    platform: process.platform,
    arch: process.arch,
    variant,
    napiVersion: NAPI_VERSION,
    flags: ['-DCMAKE_BUILD_TYPE=Release', ...flags.map((f) => f.replace('--CD', '-D'))],
    builtWith: { node: process.version, compiler: 'cmake-js' },
    sourceHash: hash,
  };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.error(`langevin prebuild: wrote ${relative(root, outDir)} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`langevin prebuild: prebuilt binaries are made for linux-x64 only (this is ${target}); skipping`);
  process.exit(0);
}
const hash = sourceHash();
build('cpu', hash);
if (args.has('--cpu-only') || process.env.LANGEVIN_CUDA === '0') {
  rmSync(join(root, 'prebuilds', target, 'cuda'), { recursive: true, force: true });
} else if (hasNvcc()) {
  build('cuda', hash);
} else {
  console.error('langevin prebuild: nvcc not found; shipping the CPU variant only');
  rmSync(join(root, 'prebuilds', target, 'cuda'), { recursive: true, force: true });
}
