// SPDX-License-Identifier: MIT
// Self-contained HTML report of imaging runs: a metrics table, then one row of images per task
// (truth | measurement | naive | posterior mean | std | samples). Images are inline PNG data URIs
// and the CSS is inline, so the file can be mailed or archived without breaking.

import { invalid } from '../errors.js';
import { encodePng, pngDataUri } from './png.js';

export interface ReportMetrics {
  psnrNaive: number;
  psnrMean: number;
  ssimNaive: number;
  ssimMean: number;
  coverage90: number;
}

export interface ReportTask {
  name: string;
  description: string;
  truth: ArrayLike<number>;
  /** What the data look like as an image (Aᵀy, zero-filled inverse FFT, or y itself with measurementShape). */
  measurement: ArrayLike<number>;
  /** Size of `measurement` when it is not h×w (e.g. the low-resolution y of super-resolution). */
  measurementShape?: { h: number; w: number };
  naive: ArrayLike<number>;
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
  /** Individual posterior samples; the first three are shown. */
  samples: readonly ArrayLike<number>[];
  metrics: ReportMetrics;
  seconds: number;
  device: string;
  sampler: string;
  settings: Record<string, unknown>;
}

export interface ImagingReportInput {
  title: string;
  tasks: readonly ReportTask[];
  h: number;
  w: number;
  footer?: string;
  /** Display range of intensity images (truth, measurement, reconstructions, samples). Default [0, 1]. */
  range?: [number, number];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : v === Infinity ? '∞' : '—');

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
.row{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 4px}figure{margin:0;text-align:center}
figcaption{font-size:12px;color:#444;max-width:180px}img{image-rendering:pixelated;border:1px solid #bbb}
pre{background:#f8f8f8;padding:8px;font-size:12px;overflow:auto}.note{color:#555}`;

/** Settings as JSON: bigints as strings, long arrays summarised, so the page stays small. */
function settingsJson(settings: Record<string, unknown>): string {
  return JSON.stringify(
    settings,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        const a = v as unknown as ArrayLike<number>;
        return a.length > 16 ? `${v.constructor.name}(${a.length})` : Array.from(a);
      }
      if (Array.isArray(v) && v.length > 16) return `Array(${v.length})`;
      return v;
    },
    1,
  );
}

function figure(img: ArrayLike<number>, h: number, w: number, scale: number, range: [number, number] | 'auto', caption: string, colormap: 'gray' | 'magma' = 'gray'): string {
  const uri = pngDataUri(encodePng(img, h, w, { range, colormap }));
  return `<figure><img src="${uri}" width="${w * scale}" height="${h * scale}" alt="${esc(caption)}"><figcaption>${esc(caption)}</figcaption></figure>`;
}

/** The report as one HTML string with no external resources. */
export function imagingReport(input: ImagingReportInput): string {
  const { h, w, tasks } = input;
  if (!Number.isInteger(h) || h < 1 || !Number.isInteger(w) || w < 1) throw invalid('E_VALUE', 'h, w', 'positive integers', [h, w]);
  const range = input.range ?? [0, 1];
  const size = 160; // target display width in CSS pixels
  const scale = Math.max(1, Math.round(size / w));
  const rows = tasks.map((t) => {
    const m = t.metrics;
    return `<tr><td>${esc(t.name)}</td><td>${esc(t.sampler)}</td><td>${esc(t.device)}</td><td>${num(t.seconds, 2)}</td><td>${num(m.psnrNaive, 2)}</td><td>${num(m.psnrMean, 2)}</td><td>${num(m.ssimNaive, 3)}</td><td>${num(m.ssimMean, 3)}</td><td>${num(m.coverage90, 3)}</td></tr>`;
  });
  const sections = tasks.map((t) => {
    let stdMax = 0;
    for (let i = 0; i < t.std.length; i++) if (t.std[i] > stdMax) stdMax = t.std[i];
    const ms = t.measurementShape ?? { h, w };
    const mScale = Math.max(1, Math.round((w * scale) / ms.w));
    const figs = [
      figure(t.truth, h, w, scale, range, 'truth'),
      figure(t.measurement, ms.h, ms.w, mScale, range, 'measurement'),
      figure(t.naive, h, w, scale, range, `naive (PSNR ${num(t.metrics.psnrNaive, 2)} dB)`),
      figure(t.mean, h, w, scale, range, `posterior mean (PSNR ${num(t.metrics.psnrMean, 2)} dB)`),
      figure(t.std, h, w, scale, [0, stdMax > 0 ? stdMax : 1], `posterior std (0 – ${num(stdMax, 3)})`, 'magma'),
      ...t.samples.slice(0, 3).map((s, i) => figure(s, h, w, scale, range, `sample ${i + 1}`)),
    ];
    return `<section><h2>${esc(t.name)}</h2><p>${esc(t.description)}</p>
<div class="row">${figs.join('')}</div>
<p class="note">${esc(t.sampler)} on ${esc(t.device)}, ${num(t.seconds, 2)} s; 90% interval coverage ${num(t.metrics.coverage90, 3)}</p>
<details><summary>settings</summary><pre>${esc(settingsJson(t.settings))}</pre></details></section>`;
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title><style>${CSS}</style></head>
<body><h1>${esc(input.title)}</h1>
<p class="note">Intensity images are shown on [${range[0]}, ${range[1]}] (clipped); the std on its own scale (magma). Coverage: fraction of pixels whose truth lies in the samples' central 90% interval.</p>
<table><tr><th>task</th><th>sampler</th><th>device</th><th>seconds</th><th>PSNR naive (dB)</th><th>PSNR mean (dB)</th><th>SSIM naive</th><th>SSIM mean</th><th>coverage 90%</th></tr>
${rows.join('\n')}</table>
${sections.join('\n')}
${input.footer ? `<footer class="note">${esc(input.footer)}</footer>` : ''}
</body></html>
`;
}
