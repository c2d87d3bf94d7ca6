#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// What a new user gets: packs this repository (prepack builds dist/ and the prebuilds), installs the
// tarball into a fresh temp app with a PATH holding only node, npm and sh (no g++, cc, make, cmake,
// python3 or nvcc), runs one small sample() there, and prints install time and installed size.
// Run: node scripts/pack-smoke.mjs   (slow: minutes when the prebuilds must be built first)
//      node scripts/pack-smoke.mjs --source   (the fallback: LANGEVIN_PREBUILT=0 and the full PATH,
//      so the install compiles the CPU backend with npm's bundled node-gyp)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
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

// A PATH with node, npm and sh only, so any attempt to compile fails loudly.
const bin = join(work, 'bin');
mkdirSync(bin);
symlinkSync(process.execPath, join(bin, 'node'));
symlinkSync(npmCli, join(bin, 'npm'));
symlinkSync('/bin/sh', join(bin, 'sh')); // npm runs scripts through sh
for (const tool of ['g++', 'cc', 'gcc', 'make', 'cmake', 'python3', 'nvcc']) {
  if (spawnSync(tool, ['--version'], { env: { PATH: bin }, stdio: 'ignore' }).status === 0) throw new Error(`${tool} is on the clean PATH`);
}
const source = process.argv.includes('--source');
const env = source ? { ...process.env, LANGEVIN_PREBUILT: '0' } : { PATH: bin, HOME: process.env.HOME, npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? work, '.npm') };

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
const problem = parseProblem({
  prior: { type: 'gmm', weights: [0.3, 0.7], means: [[0, 0], [2, 1]], covariance: { type: 'isotropic', variances: [0.1, 0.2] } },
  likelihood: { operator: { type: 'dense', matrix: [[1, 0.5]] }, y: [1.2], noiseStd: 0.1 },
});
const r = await sample(problem, { sampler: 'almc', chains: 64, steps: 200, seed: 1, device: 'cpu' });
console.log('sample ok:', r.shape.join('x'), 'device', r.summary.device, 'warnings', r.summary.warnings.length);
`);
const run = spawnSync('node', ['main.js'], { cwd: app, env, encoding: 'utf8' });
process.stdout.write(run.stdout + run.stderr);
if (run.status !== 0) throw new Error('sample() failed in the fresh app');
const built = existsSync(join(app, 'node_modules', 'langevin', 'build', 'Release', 'langevin.node'));
if (built !== source) throw new Error(source ? 'no source build was made' : 'a source build was made despite the prebuilt');
const du = (p) => execFileSync('du', ['-sk', p], { encoding: 'utf8' }).split('\t')[0];
console.log(`install: ${seconds.toFixed(1)} s; node_modules ${(Number(du(join(app, 'node_modules'))) / 1024).toFixed(1)} MB, of which langevin ${(Number(du(join(app, 'node_modules', 'langevin'))) / 1024).toFixed(1)} MB`);
console.log(`app: ${app}`);
