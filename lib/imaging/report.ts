// SPDX-License-Identifier: MIT
// Self-contained HTML report of imaging runs: a metrics table, then one row of images per task
// (truth | measurement | naive | posterior mean | std | samples). Images are inline PNG data URIs
// and the CSS is inline, so the file can be mailed or archived without breaking.

import { invalid } from '../errors.js';
import { displayRange, encodePng, pngDataUri } from './png.js';

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
  /** Size of `measurement` when it is not h×w (e.g. the low-resolution y of super-resolution); upsampled to h×w for display. */
  measurementShape?: { height: number; width: number };
  /** Further reconstructions to show after the naive one (e.g. a Wiener filter), with their scores. */
  baselines?: readonly { name: string; image: ArrayLike<number>; psnr: number; ssim: number }[];
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

/** Image size in the package's convention; `{ h, w }` is still accepted but deprecated. */
export type ReportSize = { height: number; width: number } | { /** @deprecated use height */ h: number; /** @deprecated use width */ w: number };

export type ImagingReportInput = ReportSize & {
  title: string;
  tasks: readonly ReportTask[];
  footer?: string;
  /** Display range of intensity images (truth, measurement, reconstructions, samples). Default [0, 1]. */
  range?: [number, number];
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : v === Infinity ? '∞' : '—');

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
.row{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 4px}figure{margin:0;text-align:center}
figcaption{font-size:12px;color:#444;max-width:180px}img{image-rendering:pixelated;border:1px solid #bbb}
pre{background:#f8f8f8;padding:8px;font-size:12px;overflow:auto}.note{color:#555}
.cbar{display:flex;align-items:center;gap:4px;font-size:11px;color:#444;justify-content:center}`;

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

/** A horizontal magma colour bar with its end values, under a std map. */
function colourBar(lo: number, hi: number, width: number): string {
  const n = 64;
  const ramp = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
  const uri = pngDataUri(encodePng(ramp, 1, n, { range: [0, 1], colormap: 'magma' }));
  return `<div class="cbar"><span>${num(lo, 3)}</span><img src="${uri}" width="${Math.max(40, width - 70)}" height="10" alt="colour bar ${num(lo, 3)} to ${num(hi, 3)}"><span>${num(hi, 3)}</span></div>`;
}

/** Nearest-neighbour upsampling of an h×w image to H×W, so a low-resolution measurement shows at the size of the others. */
function upsample(img: ArrayLike<number>, h: number, w: number, H: number, W: number): Float64Array {
  const out = new Float64Array(H * W);
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) out[r * W + c] = img[Math.min(h - 1, Math.floor((r * h) / H)) * w + Math.min(w - 1, Math.floor((c * w) / W))];
  return out;
}

/** The report as one HTML string with no external resources. */
export function imagingReport(input: ImagingReportInput): string {
  const { tasks } = input;
  const [h, w] = 'height' in input ? [input.height, input.width] : [input.h, input.w];
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
    const ms = t.measurementShape ?? { height: h, width: w };
    // The measurement on its own range (a measurement need not live on the images' scale: a blurred
    // or averaged image does, Aᵀy of a mask or a Fourier operator does not), upsampled to h×w.
    const meas = ms.height === h && ms.width === w ? t.measurement : upsample(t.measurement, ms.height, ms.width, h, w);
    const [mLo, mHi] = displayRange(meas, 'auto');
    const stdTop = stdMax > 0 ? stdMax : 1;
    const figs = [
      figure(t.truth, h, w, scale, range, 'truth'),
      figure(meas, h, w, scale, 'auto', `measurement (${ms.height}×${ms.width}, shown on ${num(mLo, 2)} … ${num(mHi, 2)})`),
      figure(t.naive, h, w, scale, range, `naive (PSNR ${num(t.metrics.psnrNaive, 2)} dB)`),
      ...(t.baselines ?? []).map((b) => figure(b.image, h, w, scale, range, `${b.name} (PSNR ${num(b.psnr, 2)} dB, SSIM ${num(b.ssim, 3)})`)),
      figure(t.mean, h, w, scale, range, `posterior mean (PSNR ${num(t.metrics.psnrMean, 2)} dB)`),
      figure(t.std, h, w, scale, [0, stdTop], 'posterior std', 'magma').replace('</figcaption>', `</figcaption>${colourBar(0, stdTop, w * scale)}`),
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
