// SPDX-License-Identifier: MIT
// An imaging user's path through the CLI: fit a patch prior, name it from a problem file, sample
// the posterior, get PNGs.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../lib/imaging/png.js';
import { sheppLogan } from '../lib/imaging/phantom.js';
import { readNpy } from '../lib/io/npy.js';
import { readNifti } from '../lib/imaging/formats/nifti.js';

const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'langevin-imaging-cli-'));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number) ?? 1) : 0, stdout, stderr });
    });
  });
}

test('fit-prior on phantoms → problem file naming it → sample --png writes images and samples', async (t) => {
  const prior = join(dir, 'prior.json');
  const fit = await run(['fit-prior', '--phantoms', '8', '--shape', '16x16', '--patch', '3', '--components', '3', '--stride', '3', '--patches', '3000', '--max-iter', '10', '--out', prior]);
  t.is(fit.code, 0, fit.stderr);
  const json = JSON.parse(readFileSync(prior, 'utf8'));
  t.like(json, { type: 'patch-gmm', shape: [16, 16], patch: 3, stride: 3 });
  t.is(json.gmm.weights.length, 3);

  // Inpainting: every other pixel observed.
  const truth = sheppLogan(16, 16);
  const mask = Array.from({ length: 256 }, (_, i) => (i % 2 === 0 ? 1 : 0));
  const y = Array.from(truth).filter((_, i) => i % 2 === 0);
  const problem = join(dir, 'problem.json');
  writeFileSync(problem, JSON.stringify({ prior: 'prior.json', likelihood: { operator: { type: 'mask', mask }, y, noiseStd: 0.05 } }));
  const out = join(dir, 'samples.npy');
  const png = join(dir, 'png');
  const nii = join(dir, 'nifti');
  const r = await run(['sample', problem, '--sampler', 'lmc', '--chains', '8', '--steps', '300', '--out', out, '--png', png, '--nifti', nii, '--json']);
  t.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  t.regex(summary.prior, /patch GMM .* 3×3 patches, stride 3, image 1×16×16/);
  t.deepEqual(readNpy(readFileSync(out)).shape, [8, 256]);
  for (const f of ['mean', 'std', 'sample-0', 'sample-1', 'sample-2']) t.true(existsSync(join(png, `${f}.png`)), f);
  t.is(summary.png.length, 5);
  // NIfTI mean/std: x-fastest [W, H, 1], the mean equal to the samples' mean pixel by pixel.
  t.deepEqual(summary.nifti, [join(nii, 'mean.nii.gz'), join(nii, 'std.nii.gz')]);
  const samples = readNpy(readFileSync(out)).data as Float32Array;
  const mean = readNifti(join(nii, 'mean.nii.gz'));
  t.deepEqual([...mean.dims], [16, 16, 1]);
  for (const i of [0, 17, 100, 255]) {
    let m = 0;
    for (let c = 0; c < 8; c++) m += samples[c * 256 + i] / 8;
    t.true(Math.abs(mean.data[i] - m) < 1e-5, `pixel ${i}: ${mean.data[i]} vs ${m}`);
  }
  t.true(readNifti(join(nii, 'std.nii.gz')).data.every((v) => v >= 0));
});

test('fit-prior reads PNG files; bad inputs exit 2 with the reason', async (t) => {
  const img = join(dir, 'train.png');
  writeFileSync(img, encodePng(sheppLogan(24, 20), 24, 20, { range: [0, 1] }));
  const r = await run(['fit-prior', img, '--patch', '2', '--components', '2', '--patches', '500', '--max-iter', '5']);
  t.is(r.code, 0, r.stderr);
  t.like(JSON.parse(r.stdout), { type: 'patch-gmm', shape: [24, 20], patch: 2 });

  const junk = join(dir, 'junk.png');
  writeFileSync(junk, 'no');
  for (const args of [['fit-prior', junk], ['fit-prior'], ['fit-prior', '--phantoms', '3'], ['fit-prior', img, '--patch', '2', '--stride', '3']]) {
    const e = await run(args);
    t.is(e.code, 2, `${args.join(' ')}: ${e.stderr}`);
    t.notRegex(e.stderr, /at .*\.js:\d+/); // a message, not a stack trace
  }
  const gmmProblem = join(dir, 'gmm.json');
  writeFileSync(gmmProblem, JSON.stringify({ prior: { type: 'gaussian', mean: [0, 0], covariance: { type: 'isotropic', variances: [1] } } }));
  const noImage = await run(['sample', gmmProblem, '--png', join(dir, 'x')]);
  t.is(noImage.code, 2);
  t.regex(noImage.stderr, /--png needs an image prior/);
  const noImageNifti = await run(['sample', gmmProblem, '--nifti', join(dir, 'x')]);
  t.is(noImageNifti.code, 2);
  t.regex(noImageNifti.stderr, /--nifti needs an image prior/);
  const missing = join(dir, 'missing.json');
  writeFileSync(missing, JSON.stringify({ prior: 'nope.json' }));
  const m = await run(['sample', missing]);
  t.is(m.code, 2);
  t.regex(m.stderr, /cannot read .*nope\.json/);
});
