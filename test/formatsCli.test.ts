// SPDX-License-Identifier: MIT
// fit-prior on NIfTI volumes slice by slice (--slices, --axis), and its typed refusals.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNifti } from '../lib/imaging/formats/index.js';
import { readTrainingImages } from '../lib/imaging/formats/trainingImages.js';
import { sheppLoganVariant } from '../lib/imaging/phantom.js';

const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'langevin-formats-cli-'));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number) ?? 1) : 0, stdout, stderr });
    });
  });
}

const [nx, ny, nz] = [20, 24, 6];
const vol = join(dir, 'vol.nii.gz');
const data = new Float32Array(nx * ny * nz);
for (let k = 0; k < nz; k++) data.set(sheppLoganVariant(ny, nx, k).map((v) => 1000 * v), k * nx * ny);
writeNifti(vol, { data, dims: [nx, ny, nz], spacing: [1, 1, 2] });

test('readTrainingImages: volume slices along z and x, normalised to [0, 1] by the 99.5th percentile', (t) => {
  const z = readTrainingImages([vol], { slices: '1:4' });
  t.is(z.length, 3);
  t.like(z[0], { height: ny, width: nx });
  let max = 0;
  for (const im of z) for (const v of Array.from(im.data)) max = Math.max(max, v);
  t.is(max, 1);
  const x = readTrainingImages([vol], { slices: '5', axis: 'x' });
  t.like(x[0], { height: nz, width: ny });
});

test('fit-prior on a NIfTI volume with --slices; bad slices or files exit 2 naming the field', async (t) => {
  const r = await run(['fit-prior', vol, '--slices', '0:4', '--patch', '2', '--components', '2', '--patches', '500', '--max-iter', '5']);
  t.is(r.code, 0, r.stderr);
  t.like(JSON.parse(r.stdout), { type: 'patch-gmm', shape: [ny, nx], patch: 2 });
  const bad = await run(['fit-prior', vol, '--slices', '3:99']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--slices/);
  const junk = join(dir, 'junk.nii');
  writeFileSync(junk, 'PRIVATE '.repeat(100));
  const j = await run(['fit-prior', junk]);
  t.is(j.code, 2);
  t.regex(j.stderr, /images: .*junk\.nii is not a NIfTI/);
  t.notRegex(j.stderr, /PRIVATE/);
});

test('problem file: y from a NIfTI slice or a PNG; wrong size, bad slice, junk file → typed errors naming the field', async (t) => {
  const { parseProblem } = await import('../lib/problem/index.js');
  const { encodePng } = await import('../lib/imaging/png.js');
  const d = nx * ny;
  const spec = (y: unknown) => ({ prior: { type: 'gaussian', mean: new Array(d).fill(0), covariance: { type: 'isotropic', variances: [1] } }, likelihood: { operator: { type: 'identity' }, y, noiseStd: 0.1 } });
  const p = parseProblem(spec({ image: 'vol.nii.gz', slice: 2, scale: 0.001 }), dir);
  t.true(Math.abs(p.likelihood!.y[5 * nx + 7] - data[2 * d + 5 * nx + 7] * 0.001) < 1e-9);
  const png = join(dir, 'y.png');
  writeFileSync(png, encodePng(sheppLoganVariant(ny, nx, 0), ny, nx, { range: [0, 1] }));
  t.is(parseProblem(spec({ image: png }), dir).likelihood!.y.length, d);
  const fieldOf = (y: unknown) => t.throws(() => parseProblem(spec(y), dir), { instanceOf: Error }) as Error & { field?: string; code?: string };
  t.is(fieldOf({ image: 'vol.nii.gz', slice: 6 }).field, 'likelihood.y.slice');
  t.is(fieldOf({ image: 'vol.nii.gz', bogus: 1 }).field, 'likelihood.y.bogus');
  const small = join(dir, 'small.png');
  writeFileSync(small, encodePng(new Float64Array(4), 2, 2, { range: [0, 1] }));
  t.like(fieldOf({ image: small }), { code: 'E_SHAPE', field: 'likelihood.y.image' });
  const junk = join(dir, 'junk-y.png');
  writeFileSync(junk, 'SECRET');
  const e = fieldOf({ image: junk });
  t.like(e, { code: 'E_FILE', field: 'likelihood.y.image' });
  t.false(e.message.includes('SECRET'));
});
