// SPDX-License-Identifier: MIT
// The CLI as a user meets it: exit codes, messages without stack traces, JSON and .npy outputs.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../lib/io/npy.js';

const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'langevin-cli-'));

const good = {
  prior: { type: 'gmm', weights: [0.3, 0.7], means: [[0, 0], [2, 1]], covariance: { type: 'isotropic', variances: [0.1, 0.2] } },
  likelihood: { operator: { type: 'dense', matrix: [[1, 0.5]] }, y: [1.2], noiseStd: 0.1 },
};

function write(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number) ?? 1 : 0, stdout, stderr });
    });
  });
}

test('sample --json writes samples and a summary with the resolved settings', async (t) => {
  const problem = write('good.json', good);
  const out = join(dir, 'samples.npy');
  const r = await run(['sample', problem, '--chains', '500', '--seed', '3', '--out', out, '--json', '--device', 'cpu']);
  t.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  t.is(summary.sampler, 'lmc');
  t.is(summary.chains, 500);
  t.is(summary.device, 'cpu');
  t.is(summary.settings.stepSize.origin, 'default');
  t.true(summary.settings.stepSize.rule.length > 10);
  t.is(summary.out, out);
  const npy = readNpy(readFileSync(out));
  t.deepEqual(npy.shape, [500, 2]);
  t.is(npy.dtype, '<f4');
});

test('posterior --json prints the exact posterior', async (t) => {
  const r = await run(['posterior', write('good2.json', good), '--json']);
  t.is(r.code, 0, r.stderr);
  const post = JSON.parse(r.stdout);
  t.is(post.components, 2);
  t.true(Math.abs(post.weights[0] + post.weights[1] - 1) < 1e-12);
});

const malformed: [string, unknown, RegExp][] = [
  ['negative variance', { ...good, prior: { ...good.prior, covariance: { type: 'isotropic', variances: [0.1, -0.2] } } }, /prior\.covariance\.variances\[1\].*expected/],
  ['wrong y length', { ...good, likelihood: { ...good.likelihood, y: [1, 2] } }, /likelihood\.y.*expected.*1/],
  ['unknown key', { ...good, likelihood: { ...good.likelihood, noisestd: 0.1 } }, /noisestd/],
  ['ragged means', { ...good, prior: { ...good.prior, means: [[0, 0], [2]] } }, /prior\.means\[1\]/],
  ['zero noise', { ...good, likelihood: { ...good.likelihood, noiseStd: 0 } }, /likelihood\.noiseStd.*expected/],
];

for (const [name, problem, pattern] of malformed) {
  test(`malformed problem (${name}): exit code 2, message names the field, no stack trace`, async (t) => {
    const r = await run(['sample', write(`bad-${name.replace(/\s/g, '-')}.json`, problem), '--chains', '10']);
    t.is(r.code, 2);
    t.regex(r.stderr, pattern);
    t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
    t.is(r.stdout, '');
  });
}

test('invalid JSON, missing files and bad flags exit with code 2', async (t) => {
  const bad = await run(['sample', write('broken.json', '{"prior": [1, 2,'), '--chains', '10']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /invalid JSON/);
  const missing = await run(['sample', join(dir, 'nope.json')]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /cannot read/);
  const flag = await run(['sample', write('good3.json', good), '--chains', 'many']);
  t.is(flag.code, 2);
  t.regex(flag.stderr, /--chains/);
  const unknown = await run(['sample', write('good4.json', good), '--bogus']);
  t.is(unknown.code, 2);
  const sampler = await run(['sample', write('good5.json', good), '--sampler', 'magic']);
  t.is(sampler.code, 2);
  t.regex(sampler.stderr, /options\.sampler/);
});

test('no output file is left behind when a run fails', async (t) => {
  const out = join(dir, 'never.npy');
  const r = await run(['sample', write('bad-out.json', { ...good, likelihood: { ...good.likelihood, noiseStd: -1 } }), '--out', out]);
  t.is(r.code, 2);
  t.false(existsSync(out));
  t.deepEqual(readdirSync(dir).filter((f) => f.includes('never')), []);
});

test('demo runs and writes its picture', async (t) => {
  const out = join(dir, 'demo');
  const r = await run(['demo', '--only', 'gmm', '--out', out, '--chains', '300']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /exact mode weights/);
  t.true(readFileSync(join(out, 'gmm-posterior.svg'), 'utf8').startsWith('<svg'));
});
