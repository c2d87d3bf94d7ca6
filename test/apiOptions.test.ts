// SPDX-License-Identifier: MIT
// The typed API: sampler options typed in SampleOptions and checked in the sampler's own file, one
// step-size knob (options.stepSize), --set errors that name the sampler, and exactPosteriorOf
// taking what parseProblem returns.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LangevinError } from '../lib/errors.js';
import { resolveOptions, type SampleOptions } from '../lib/options.js';
import { parseProblem } from '../lib/problem/index.js';
import { exactPosteriorOf } from '../lib/math/posterior.js';
import { ALMC_OPTIONS } from '../lib/samplers/almc.js';
import type { ProblemSpec } from '../lib/types.js';

const gmm = {
  prior: { type: 'gmm', weights: [0.3, 0.7], means: [[0, 0], [2, 1]], covariance: { type: 'isotropic', variances: [0.1, 0.2] } },
  likelihood: { operator: { type: 'dense', matrix: [[1, 0.5]] }, y: [1.2], noiseStd: 0.1 },
};

test('exactPosteriorOf takes parseProblem output for a GMM prior and refuses other priors by prior.type', (t) => {
  const post = exactPosteriorOf(parseProblem(gmm));
  t.true(Number.isFinite(post.logEvidence));
  const patch = parseProblem({ prior: { type: 'patch-gmm', shape: [4, 4], patch: 2, stride: 2, gmm: { type: 'gmm', weights: [1], means: [[0, 0, 0, 0]], covariance: { type: 'isotropic', variances: [1] } } } });
  const err = t.throws(() => exactPosteriorOf(patch), { instanceOf: LangevinError });
  t.is(err?.code, 'E_UNSUPPORTED');
  t.is(err?.field, 'prior.type');
});

test('sampler options are typed: a misspelt key does not compile, a right one does', (t) => {
  const ok: SampleOptions = { sampler: 'almc', almc: { kappa: 5, reweight: false } };
  // @ts-expect-error kapa is not an ALMC option
  const bad: SampleOptions = { sampler: 'almc', almc: { kapa: 5 } };
  // @ts-expect-error LMC has no options of its own
  const lmc: SampleOptions = { sampler: 'lmc', lmc: { kappa: 5 } };
  t.truthy(ok && bad && lmc);
  t.deepEqual(Object.keys(ALMC_OPTIONS).sort(), ['kappa', 'reweight', 't0', 'tau', 'warmStartStepSize', 'warmStartSteps']);
});

test('one step-size knob: options.almc.stepSize is refused with a pointer to options.stepSize', (t) => {
  const err = t.throws(() => resolveOptions({ sampler: 'almc', almc: { stepSize: 0.1 } as never }), { instanceOf: LangevinError });
  t.is(err?.field, 'options.almc.stepSize');
  t.regex(err!.message, /options\.stepSize for every sampler/);
  t.is(resolveOptions({ sampler: 'almc', stepSize: 0.1 }).stepSize, 0.1);
});

test('options.lmc is a known key with no options', (t) => {
  t.deepEqual(resolveOptions({ sampler: 'lmc', lmc: {} }).samplerOptions, {});
  const err = t.throws(() => resolveOptions({ sampler: 'lmc', lmc: { kappa: 1 } as never }), { instanceOf: LangevinError });
  t.is(err?.field, 'options.lmc.kappa');
});

function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const main = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { timeout: 60_000 }, (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }));
  });
}

test('--set errors name the sampler and key, not options.lmc', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'langevin-set-'));
  const file = join(dir, 'p.json');
  writeFileSync(file, JSON.stringify(gmm));
  const lmc = await cli(['sample', file, '--set', 'kappa=5']);
  t.is(lmc.code, 2);
  t.regex(lmc.stderr, /E_OPTION: --set lmc\.kappa: unknown option \(known: none\)/);
  const almc = await cli(['sample', file, '--sampler', 'almc', '--set', 'kappa=-5']);
  t.is(almc.code, 2);
  t.regex(almc.stderr, /E_VALUE: --set almc\.kappa: expected a number in \(0, /);
  t.notRegex(lmc.stderr + almc.stderr, /options\./);
});

test('ProblemSpec types a problem file: a valid one compiles and parses, a wrong operator does not compile', (t) => {
  const spec: ProblemSpec = {
    prior: { type: 'gmm', weights: [0.3, 0.7], means: [[0, 0], [2, 1]], covariance: { type: 'isotropic', variances: [0.1, 0.2] } },
    likelihood: { operator: { type: 'dense', matrix: [[1, 0.5]] }, y: [1.2], noiseStd: 0.1 },
  };
  t.is(parseProblem(spec).prior.dim, 2);
  // @ts-expect-error a blur operator needs its image shape
  const bad: ProblemSpec = { prior: 'prior.json', likelihood: { operator: { type: 'blur', kernel: [[1]] }, y: [0], noiseStd: 1 } };
  t.truthy(bad);
});
