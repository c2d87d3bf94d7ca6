#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// What a new user gets: packs this repository (prepack builds dist/ and the prebuilds), installs the
// tarball into a fresh temp app with a PATH holding only node and npm (no g++, cc, make, cmake,
// python3 or nvcc), runs one small sample() there, and prints install time and installed size.
// Run: node scripts/pack-smoke.mjs   (slow: minutes when the prebuilds must be built first)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'langevin-pack-'));
const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());

const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
const tarball = join(work, packed[0].filename);
console.log(`packed ${packed[0].filename}: ${(packed[0].size / 1e6).toFixed(1)} MB, ${packed[0].entryCount} files`);
const maps = packed[0].files.filter((f) => f.path.endsWith('.map'));
if (maps.length) throw new Error(`source maps in the package: ${maps.map((f) => f.path).join(', ')}`);

// A PATH with node and npm only, so any attempt to compile fails loudly.
const bin = join(work, 'bin');
mkdirSync(bin);
symlinkSync(process.execPath, join(bin, 'node'));
symlinkSync(npmCli, join(bin, 'npm'));
for (const tool of ['g++', 'cc', 'gcc', 'make', 'cmake', 'python3', 'nvcc']) {
  if (spawnSync(tool, ['--version'], { env: { PATH: bin }, stdio: 'ignore' }).status === 0) throw new Error(`${tool} is on the clean PATH`);
}
const env = { PATH: bin, HOME: process.env.HOME, npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? work, '.npm') };

const app = join(work, 'app');
mkdirSync(app);
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
const t0 = Date.now();
const install = spawnSync('npm', ['install', '--foreground-scripts', '--no-audit', '--no-fund', tarball], { cwd: app, env, encoding: 'utf8' });
const seconds = (Date.now() - t0) / 1000;
process.stdout.write(install.stdout.split('\n').filter((l) => l.includes('langevin')).join('\n') + '\n');
if (install.status !== 0) throw new Error(`npm install failed:\n${install.stderr}`);

writeFileSync(join(app, 'main.js'), `
import { sample, parseProblem } from 'langevin';
const problem = parseProblem({ dim: 2, prior: { type: 'gaussian', mean: [0, 0], cov: [[1, 0], [0, 1]] },
  likelihood: { type: 'gaussian', A: [[1, 0], [0, 1]], y: [1, -1], noiseStd: 0.5 } });
const r = await sample(problem, { sampler: 'almc', chains: 64, steps: 200, seed: 1, device: 'cpu' });
console.log('sample ok:', r.samples.length, 'values; mean', Array.from(r.summary.mean).map((v) => v.toFixed(2)).join(' '));
`);
const run = spawnSync('node', ['main.js'], { cwd: app, env, encoding: 'utf8' });
process.stdout.write(run.stdout + run.stderr);
if (run.status !== 0) throw new Error('sample() failed in the fresh app');
const du = (p) => execFileSync('du', ['-sk', p], { encoding: 'utf8' }).split('\t')[0];
console.log(`install: ${seconds.toFixed(1)} s; node_modules ${(Number(du(join(app, 'node_modules'))) / 1024).toFixed(1)} MB, of which langevin ${(Number(du(join(app, 'node_modules', 'langevin'))) / 1024).toFixed(1)} MB`);
console.log(`app: ${app}`);
