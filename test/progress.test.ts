// SPDX-License-Identifier: MIT
// --progress: JSON lines on stderr for services and CI (stderr is not a terminal there), nothing by
// default when stderr is a pipe, and a typed error for an unknown mode.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { progressReporter } from '../lib/cli/progressBar.js';

const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'langevin-progress-'));
const problem = join(dir, 'p.json');
writeFileSync(problem, JSON.stringify({
  prior: { type: 'gmm', weights: [0.3, 0.7], means: [[0, 0], [2, 1]], covariance: { type: 'isotropic', variances: [0.1, 0.2] } },
  likelihood: { operator: { type: 'dense', matrix: [[1, 0.5]] }, y: [1.2], noiseStd: 0.1 },
}));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('--progress json writes one JSON object per line on stderr, ending each phase at done = total', async (t) => {
  const r = await run(['sample', problem, '--sampler', 'almc', '--chains', '200', '--device', 'cpu', '--json', '--progress', 'json']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('{'));
  t.true(lines.length >= 2, r.stderr);
  const events = lines.map((l) => JSON.parse(l) as { phase: string; done: number; total: number; elapsedMs: number });
  for (const e of events) {
    t.deepEqual(Object.keys(e), ['phase', 'done', 'total', 'elapsedMs']);
    t.true(e.done >= 0 && e.done <= e.total && e.elapsedMs >= 0);
  }
  const last = events[events.length - 1];
  t.is(last.done, last.total);
  t.true(events.every((e, i) => i === 0 || e.elapsedMs >= events[i - 1].elapsedMs));
  t.is(JSON.parse(r.stdout).chains, 200, 'stdout keeps only the summary');
});

test('by default (auto) a piped stderr gets no progress', async (t) => {
  const r = await run(['sample', problem, '--chains', '100', '--device', 'cpu', '--json']);
  t.is(r.code, 0, r.stderr);
  t.false(r.stderr.includes('"phase"'));
});

test('an unknown --progress mode is an option error naming the flag', async (t) => {
  const r = await run(['sample', problem, '--progress', 'loud']);
  t.not(r.code, 0);
  t.regex(r.stderr, /--progress/);
  t.regex(r.stderr, /auto \| bar \| json \| none/);
});

test('json lines are throttled within a phase but every phase start and end is written', (t) => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  const p = progressReporter('json', stream);
  for (let done = 0; done <= 1000; done += 10) p.onProgress!({ phase: 'anneal', done, total: 1000 });
  p.onProgress!({ phase: 'final', done: 0, total: 5 });
  p.onProgress!({ phase: 'final', done: 5, total: 5 });
  const events = text.trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(events.map((e) => [e.phase, e.done]), [['anneal', 0], ['anneal', 1000], ['final', 0], ['final', 5]]);
});
