// SPDX-License-Identifier: MIT
// Self-contained SVG panels: samples as dots over contours of an exact density.
import { contourSegments } from './contours.js';

export interface Panel {
  title: string;
  subtitle?: string;
  points: Float32Array; // [n*2]
  color?: string;
}

export interface DensityGrid {
  values: Float64Array; // [ny*nx], row j at y = y0 + j·(y1−y0)/(ny−1)
  nx: number;
  ny: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

const SIZE = 360;
const PAD = 36;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panelSvg(panel: Panel, grid: DensityGrid, ox: number, maxPoints: number, axes: readonly [string, string]): string {
  const sx = (x: number) => ox + PAD + ((x - grid.x0) / (grid.x1 - grid.x0)) * SIZE;
  const sy = (y: number) => PAD + 24 + SIZE - ((y - grid.y0) / (grid.y1 - grid.y0)) * SIZE;
  const gx = (i: number) => grid.x0 + (i / (grid.nx - 1)) * (grid.x1 - grid.x0);
  const gy = (j: number) => grid.y0 + (j / (grid.ny - 1)) * (grid.y1 - grid.y0);
  let max = 0;
  for (const v of grid.values) max = Math.max(max, v);
  const parts: string[] = [];
  parts.push(`<rect x="${ox + PAD}" y="${PAD + 24}" width="${SIZE}" height="${SIZE}" fill="#fcfcfc" stroke="#999"/>`);
  const n = Math.min(panel.points.length / 2, maxPoints);
  const dots: string[] = [];
  for (let c = 0; c < n; c++) {
    const x = panel.points[2 * c], y = panel.points[2 * c + 1];
    if (x < grid.x0 || x > grid.x1 || y < grid.y0 || y > grid.y1) continue;
    dots.push(`M${sx(x).toFixed(1)} ${sy(y).toFixed(1)}h0`);
  }
  parts.push(`<path d="${dots.join('')}" stroke="${panel.color ?? '#1f77b4'}" stroke-opacity="0.35" stroke-width="3" stroke-linecap="round"/>`);
  for (const frac of [0.02, 0.1, 0.3, 0.6, 0.9]) {
    const d = contourSegments(grid.values, grid.nx, grid.ny, frac * max)
      .map(([a, b, c, e]) => `M${sx(gx(a)).toFixed(1)} ${sy(gy(b)).toFixed(1)}L${sx(gx(c)).toFixed(1)} ${sy(gy(e)).toFixed(1)}`)
      .join('');
    parts.push(`<path d="${d}" fill="none" stroke="#d62728" stroke-width="1.2"/>`);
  }
  parts.push(`<text x="${ox + PAD}" y="${PAD + 4}" font-size="15" font-weight="bold">${esc(panel.title)}</text>`);
  if (panel.subtitle) parts.push(`<text x="${ox + PAD}" y="${PAD + 19}" font-size="11" fill="#444">${esc(panel.subtitle)}</text>`);
  for (const t of [grid.x0, (grid.x0 + grid.x1) / 2, grid.x1]) {
    parts.push(`<text x="${sx(t)}" y="${PAD + 24 + SIZE + 14}" font-size="10" text-anchor="middle">${t}</text>`);
    parts.push(`<text x="${ox + PAD - 4}" y="${sy(t) + 3}" font-size="10" text-anchor="end">${t}</text>`);
  }
  const midY = PAD + 24 + SIZE / 2;
  parts.push(`<text x="${ox + PAD + SIZE / 2}" y="${PAD + 24 + SIZE + 28}" font-size="12" text-anchor="middle">${esc(axes[0])}</text>`);
  parts.push(`<text x="${ox + 12}" y="${midY}" font-size="12" text-anchor="middle" transform="rotate(-90 ${ox + 12} ${midY})">${esc(axes[1])}</text>`);
  return parts.join('\n');
}

/** Panels side by side; red lines are contours of the exact density at 2–90% of its maximum; `axes` labels x and y. */
export function scatterOverContours(panels: Panel[], grid: DensityGrid, caption: string, maxPoints = 2000, axes: readonly [string, string] = ['x₁', 'x₂']): string {
  const w = panels.length * (SIZE + 2 * PAD);
  const h = SIZE + 2 * PAD + 24 + 28;
  const body = panels.map((p, i) => panelSvg(p, grid, i * (SIZE + 2 * PAD), maxPoints, axes)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${body}
<text x="${PAD}" y="${h - 10}" font-size="11" fill="#444">${esc(caption)}</text>
</svg>
`;
}
