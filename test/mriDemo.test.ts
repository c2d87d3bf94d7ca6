// SPDX-License-Identifier: MIT
// The MRI demo's pipeline on a tiny synthetic NIfTI volume (no mricron-data needed), the Wiener
// baseline's algebra, and posteriorImages.
import test from 'ava';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOperator } from '../lib/math/applyOperator.js';
import { runMriDemo } from '../lib/demo/mriDemo.js';
import { LangevinError } from '../lib/errors.js';
import { readNifti, writeNifti } from '../lib/imaging/formats/index.js';
import { fourierOperator, variableDensitySamples } from '../lib/imaging/masks.js';
import { sheppLoganVariant } from '../lib/imaging/phantom.js';
import { posteriorImages, writePosteriorImages } from '../lib/imaging/posteriorImages.js';
import { fitSpectralPrior, wienerReconstruction, zeroFilled } from '../lib/imaging/wiener.js';
import { applyAdjoint } from '../lib/math/applyOperator.js';
import { gaussianKernel, kernelRows } from '../lib/imaging/kernels.js';
import { parseProblem } from '../lib/problem/index.js';

const dir = mkdtempSync(join(tmpdir(), 'langevin-mri-'));

test('MRI demo pipeline on a synthetic 32×32×12 NIfTI volume: posterior mean beats zero filling', async (t) => {
  const [nx, ny, nz] = [32, 32, 12];
  const data = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) data.set(sheppLoganVariant(ny, nx, k).map((v) => 800 * v), k * nx * ny);
  const path = join(dir, 'synthetic.nii.gz');
  writeNifti(path, { data, dims: [nx, ny, nz], spacing: [1, 1, 1] });
  const out = join(dir, 'out');
  const r = await runMriDemo({ outDir: out, data: path, size: 16, trainSlices: 6, chains: 8, steps: 1500, fraction: 0.35, seed: 1 });
  t.is(r.slice, 6);
  t.false(r.trainSlices.some((z) => Math.abs(z - 6) <= 1));
  t.deepEqual(r.methods.map((m) => m.name), ['zero-filled', 'Wiener', 'posterior mean']);
  for (const m of r.methods) t.true(Number.isFinite(m.psnr) && m.ssim > 0 && m.ssim <= 1, m.name);
  t.true(r.methods[2].psnr > r.methods[0].psnr, `posterior mean ${r.methods[2].psnr} vs zero-filled ${r.methods[0].psnr}`);
  t.true(r.coverage90 > 0.5 && r.coverage90 <= 1);
  for (const f of r.files) t.true(existsSync(f), f);
  t.deepEqual(readNifti(join(out, 'mri-posterior-mean.nii.gz')).dims, [16, 16, 1]);
});

test('MRI demo: a missing volume is E_FILE on field data, before any work', async (t) => {
  const e = await t.throwsAsync(runMriDemo({ outDir: join(dir, 'never'), data: join(dir, 'absent.nii.gz') }), { instanceOf: LangevinError });
  t.is(e!.code, 'E_FILE');
  t.is(e!.field, 'data');
  t.false(existsSync(join(dir, 'never')));
});

test('Wiener: zero filling is Aᵀy; infinite prior variance with full sampling returns y; zero variance returns the prior mean', (t) => {
  const H = 8, W = 8, shape = { channels: 1, height: H, width: W };
  const x = sheppLoganVariant(H, W, 3);
  const part = fourierOperator(shape, variableDensitySamples(H, W, { fraction: 0.4, seed: 2 }));
  const y = applyOperator(part, x);
  const zf = zeroFilled(part, y), at = applyAdjoint(part, y);
  for (let i = 0; i < H * W; i++) t.true(Math.abs(zf[i] - at[i]) < 1e-12);
  const full = fourierOperator(shape, Int32Array.from({ length: H * W }, (_, i) => i));
  const yFull = applyOperator(full, x);
  const mean = new Float64Array(H * W).fill(0.3);
  const wide = wienerReconstruction(full, yFull, 1e-6, { height: H, width: W, mean, power: new Float64Array(H * W).fill(1e6) });
  for (let i = 0; i < H * W; i++) t.true(Math.abs(wide[i] - x[i]) < 1e-9);
  const narrow = wienerReconstruction(full, yFull, 0.1, { height: H, width: W, mean, power: new Float64Array(H * W) });
  for (let i = 0; i < H * W; i++) t.true(Math.abs(narrow[i] - 0.3) < 1e-12);
  const sp = fitSpectralPrior([x, x.map((v) => v + 1)], H, W);
  t.true(Math.abs(sp.mean[0] - (x[0] + 0.5)) < 1e-12);
  t.true(Math.abs(sp.power[0] - H * W * 0.5) < 1e-9); // DC of a constant 0.5 offset: (√(HW)·0.5)² ·2/(2−1)
});

test('posteriorImages: per-pixel mean and std (n − 1), files written, bad lengths refused', (t) => {
  const s = Float32Array.from([0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7]); // 3 samples of 2×2
  const p = posteriorImages(s, { height: 2, width: 2 });
  t.deepEqual(Array.from(p.mean), [2, 3, 4, 5]);
  t.deepEqual(Array.from(p.std), [2, 2, 2, 2]);
  const files = writePosteriorImages(join(dir, 'post'), p);
  for (const f of files) t.true(existsSync(f));
  t.deepEqual(Array.from(readNifti(files[3]).data), [2, 2, 2, 2]);
  const e = t.throws(() => posteriorImages(s.subarray(0, 10), { height: 2, width: 2 }), { instanceOf: LangevinError });
  t.is(e!.field, 'samples');
});

test('a Kernel from gaussianKernel() is accepted as a problem\'s blur kernel, equal to its rows', (t) => {
  const k = gaussianKernel(1, 5);
  const spec = (kernel: unknown) => ({ prior: { type: 'gaussian', mean: new Array(64).fill(0), covariance: { type: 'isotropic', variances: [1] } }, likelihood: { operator: { type: 'blur', kernel, shape: [8, 8] }, y: new Array(64).fill(0), noiseStd: 0.1 } });
  const a = parseProblem(spec(k)).likelihood!.operator, b = parseProblem(spec(kernelRows(k))).likelihood!.operator;
  t.deepEqual(a, b);
  t.like(a, { type: 'blur', kernelHeight: 5, kernelWidth: 5 });
  const e = t.throws(() => parseProblem(spec({ height: 2, width: 2, data: [1, 2, 3] })), { instanceOf: LangevinError });
  t.is(e!.field, 'likelihood.operator.kernel');
});
