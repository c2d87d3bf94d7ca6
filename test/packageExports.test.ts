// SPDX-License-Identifier: MIT
// The package as an app resolves it (node_modules/langevin linked to this repository): the ESM
// import and a CommonJS require (Node's require(esm)) reach the library through `exports`, deep
// imports of dev tooling are refused, and the LICENSE ships.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const app = mkdtempSync(join(tmpdir(), 'langevin-exports-'));
mkdirSync(join(app, 'node_modules'));
symlinkSync(repo, join(app, 'node_modules', 'langevin'), 'dir');
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'exports-app', private: true }));

function node(file: string, code: string) {
  writeFileSync(join(app, file), code);
  return spawnSync(process.execPath, [file], { cwd: app, encoding: 'utf8' });
}

test('ESM import of the package root', (t) => {
  const r = node('esm.mjs', "import { sample, parseProblem, LangevinError } from 'langevin'; console.log(typeof sample, typeof parseProblem, typeof LangevinError);");
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout.trim(), 'function function function');
});

test('CommonJS require of the package root works through require(esm)', (t) => {
  const r = node('cjs.cjs', "const { sample } = require('langevin'); console.log(typeof sample);");
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout.trim(), 'function');
});

test('deep imports are not exported', (t) => {
  const r = node('deep.mjs', "await import('langevin/dist/lib/bench/run.js');");
  t.not(r.status, 0);
  t.regex(r.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
});

test('the package ships a LICENSE and no source maps are built', (t) => {
  t.regex(readFileSync(join(repo, 'LICENSE'), 'utf8'), /MIT License[\s\S]*langevin contributors/);
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { files: string[] };
  t.false(pkg.files.some((f) => f === 'dist/lib' || f.endsWith('.map')));
  t.false(readFileSync(join(repo, 'dist', 'lib', 'index.js'), 'utf8').includes('sourceMappingURL'), 'tsconfig: sourceMap off');
});

test('langevin/queue is its own entry point', (t) => {
  const q = node('queue.mjs', "import { submitSplit, startWorker } from 'langevin/queue'; console.log(typeof submitSplit, typeof startWorker);");
  t.is(q.status, 0, q.stderr);
  t.is(q.stdout.trim(), 'function function');
});
