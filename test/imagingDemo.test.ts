// SPDX-License-Identifier: MIT
// The imaging demo, shrunk: each task's posterior mean beats the naive reconstruction, the 90%
// intervals cover most true pixels, and the report is written.
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runImagingDemo } from '../lib/demo/imagingDemo.js';

test('imaging demo (24×24, 8 chains): posterior mean beats Aᵀy/‖A‖² by ≥ 1 dB (deblur, inpainting, MRI; ×4 super-resolution needs a larger image than this test uses); report written', async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'langevin-imaging-'));
  const r = await runImagingDemo({ outDir, size: 24, chains: 8, steps: 1500, device: 'cpu', tasks: ['deblur', 'inpaint', 'mri'] });
  t.is(r.tasks.length, 3);
  for (const task of r.tasks) {
    t.true(task.psnrMean > task.psnrNaive + 1, `${task.name}: PSNR ${task.psnrNaive.toFixed(2)} → ${task.psnrMean.toFixed(2)}`);
    t.true(task.coverage90 > 0.6, `${task.name}: coverage ${task.coverage90}`);
  }
  const html = readFileSync(r.reportPath, 'utf8');
  t.true(html.includes('<img'));
  t.true(existsSync(join(outDir, 'imaging-summary.json')));
});
