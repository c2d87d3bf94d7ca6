// SPDX-License-Identifier: MIT
// Self-contained SVG line and grouped-bar charts (axes with ticks, grid, legend, optional log
// scales), laid out as a grid of panels with a title and a wrapped caption. No dependencies; the
// style follows scatterSvg.ts.

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface LineSeries {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  /** stroke-dasharray, e.g. '6 4'. */
  dash?: string;
  width?: number;
  /** Draw a dot at every point (default: only when the series has ≤ 40 points). */
  markers?: boolean;
  /** Dots only, no connecting line. */
  noLine?: boolean;
  /** A shaded band (e.g. ±2 standard errors) around the line. */
  band?: { lo: ArrayLike<number>; hi: ArrayLike<number> };
}

/** A horizontal (hLines: y = value) or vertical (vLines: x = value) reference line. */
export interface RefLine {
  value: number;
  label?: string; // drawn next to the line
  color?: string;
  dash?: string;
  /** Where a horizontal line's label sits (default 'right'). */
  labelAt?: 'left' | 'right';
}

export interface LinePanel {
  kind: 'line';
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  xDomain?: [number, number];
  yDomain?: [number, number];
  series: LineSeries[];
  hLines?: RefLine[];
  vLines?: RefLine[];
}

export interface BarSeries {
  label: string;
  values: number[]; // one per category
  color?: string;
}

export interface BarPanel {
  kind: 'bar';
  title: string;
  subtitle?: string;
  yLabel: string;
  categories: string[];
  series: BarSeries[];
  /** A reference value per category (e.g. exact weights), drawn as a black bar across the group. */
  reference?: { label: string; values: number[]; color?: string };
  yDomain?: [number, number];
}

export type ChartPanel = LinePanel | BarPanel;

export interface FigureOptions {
  title?: string;
  caption?: string;
  columns?: number; // default: all panels in one row
  panelWidth?: number; // default 460
  plotHeight?: number; // height of each plot area, default 280
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const n1 = (v: number) => v.toFixed(1);

const M = { left: 66, right: 18, top: 46, bottom: 44 }; // around each plot area; legend goes below
const CHAR = 6.1; // average glyph width at font-size 11
const LEGEND_ROW = 17;

// ---- scales and ticks ------------------------------------------------------------------------

interface Scale {
  lo: number;
  hi: number;
  log: boolean;
  major: number[];
  minor: number[];
  label(v: number): string;
  map(v: number, size: number): number; // 0 … size
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

function trim(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function linearScale(min: number, max: number, fixed?: [number, number]): Scale {
  let lo = fixed ? fixed[0] : min;
  let hi = fixed ? fixed[1] : max;
  if (!(hi > lo)) {
    const c = Number.isFinite(lo) ? lo : 0;
    const w = Math.abs(c) > 0 ? Math.abs(c) * 0.1 : 1;
    lo = c - w;
    hi = c + w;
  }
  const step = niceStep((hi - lo) / 5);
  if (!fixed) {
    lo = Math.floor(lo / step + 1e-9) * step;
    hi = Math.ceil(hi / step - 1e-9) * step;
  }
  const major: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) major.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / 10 ** Math.floor(Math.log10(step) + 1e-9) === 2.5 ? 1 : 0));
  return {
    lo,
    hi,
    log: false,
    major,
    minor: [],
    label: (v) => (decimals > 6 ? v.toExponential(1) : v.toFixed(decimals)),
    map: (v, size) => ((v - lo) / (hi - lo)) * size,
  };
}

function logLabel(v: number): string {
  const k = Math.round(Math.log10(v));
  if (Math.abs(v / 10 ** k - 1) < 1e-9) return k >= -3 && k <= 4 ? trim(v.toFixed(Math.max(0, -k))) : `1e${k}`;
  const k0 = Math.floor(Math.log10(v) + 1e-9);
  return k0 >= -3 && k0 <= 4 ? trim(v.toFixed(Math.max(0, -k0))) : v.toExponential(0);
}

function logScale(min: number, max: number, fixed?: [number, number]): Scale {
  let lo = fixed ? fixed[0] : min;
  let hi = fixed ? fixed[1] : max;
  if (!(lo > 0) || !Number.isFinite(lo)) lo = hi > 0 ? hi / 10 : 1;
  if (!(hi > lo)) hi = lo * 10;
  if (!fixed) {
    lo = 10 ** Math.floor(Math.log10(lo) + 1e-9);
    hi = 10 ** Math.ceil(Math.log10(hi) - 1e-9);
    if (hi <= lo) hi = lo * 10;
  }
  const a = Math.log10(lo), b = Math.log10(hi);
  const decades = b - a;
  const major: number[] = [];
  const minor: number[] = [];
  const mults = decades <= 1.5 ? [1, 2, 5] : decades <= 3 ? [1, 3] : [1];
  const stride = decades > 8 ? 2 : 1;
  for (let k = Math.floor(a) - 1; k <= Math.ceil(b); k++) {
    for (let m = 1; m <= 9; m++) {
      const v = m * 10 ** k;
      if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9)) continue;
      if (mults.includes(m) && (m !== 1 || k % stride === 0)) major.push(v);
      else minor.push(v);
    }
  }
  return { lo, hi, log: true, major, minor, label: logLabel, map: (v, size) => ((Math.log10(v) - a) / (b - a)) * size };
}

function extent(values: number[], log: boolean): [number, number] {
  let min = Infinity, max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

// ---- legend ----------------------------------------------------------------------------------

interface LegendItem {
  label: string;
  color: string;
  dash?: string;
  swatch: 'line' | 'rect' | 'dot';
}

function legendRows(items: LegendItem[], width: number): LegendItem[][] {
  const rows: LegendItem[][] = [];
  let row: LegendItem[] = [];
  let used = 0;
  for (const it of items) {
    const w = 34 + it.label.length * CHAR + 14;
    if (row.length > 0 && used + w > width) {
      rows.push(row);
      row = [];
      used = 0;
    }
    row.push(it);
    used += w;
  }
  if (row.length) rows.push(row);
  return rows;
}

function legendSvg(rows: LegendItem[][], x0: number, y0: number): string {
  const out: string[] = [];
  rows.forEach((row, r) => {
    let x = x0;
    const y = y0 + r * LEGEND_ROW;
    for (const it of row) {
      if (it.swatch === 'rect') out.push(`<rect x="${n1(x + 4)}" y="${n1(y - 9)}" width="18" height="10" fill="${it.color}"/>`);
      else if (it.swatch === 'dot') out.push(`<circle cx="${n1(x + 13)}" cy="${n1(y - 4)}" r="3.2" fill="${it.color}"/>`);
      else out.push(`<line x1="${n1(x)}" y1="${n1(y - 4)}" x2="${n1(x + 26)}" y2="${n1(y - 4)}" stroke="${it.color}" stroke-width="2.2"${it.dash ? ` stroke-dasharray="${it.dash}"` : ''}/>`);
      out.push(`<text x="${n1(x + 32)}" y="${n1(y)}" font-size="11">${esc(it.label)}</text>`);
      x += 34 + it.label.length * CHAR + 14;
    }
  });
  return out.join('\n');
}

function legendItems(p: ChartPanel): LegendItem[] {
  if (p.kind === 'bar') {
    const items: LegendItem[] = p.series.map((s, i) => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length], swatch: 'rect' }));
    if (p.reference) items.push({ label: p.reference.label, color: p.reference.color ?? '#000', swatch: 'line' });
    return items;
  }
  const items: LegendItem[] = p.series.map((s, i) => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length], dash: s.dash, swatch: s.noLine ? 'dot' : 'line' }));
  return items;
}

// ---- axes ------------------------------------------------------------------------------------

function axesSvg(ox: number, oy: number, w: number, h: number, xs: Scale | null, ys: Scale, xLabel: string, yLabel: string): string {
  const out: string[] = [];
  out.push(`<rect x="${ox}" y="${oy}" width="${w}" height="${h}" fill="#fcfcfc" stroke="none"/>`);
  for (const v of ys.minor) {
    const y = oy + h - ys.map(v, h);
    out.push(`<line x1="${ox}" y1="${n1(y)}" x2="${ox + w}" y2="${n1(y)}" stroke="#f0f0f0"/>`);
    out.push(`<line x1="${ox - 3}" y1="${n1(y)}" x2="${ox}" y2="${n1(y)}" stroke="#999"/>`);
  }
  for (const v of ys.major) {
    const y = oy + h - ys.map(v, h);
    out.push(`<line x1="${ox}" y1="${n1(y)}" x2="${ox + w}" y2="${n1(y)}" stroke="#e2e2e2"/>`);
    out.push(`<line x1="${ox - 5}" y1="${n1(y)}" x2="${ox}" y2="${n1(y)}" stroke="#666"/>`);
    out.push(`<text x="${ox - 7}" y="${n1(y + 3.5)}" font-size="10" text-anchor="end">${esc(ys.label(v))}</text>`);
  }
  if (xs) {
    for (const v of xs.minor) {
      const x = ox + xs.map(v, w);
      out.push(`<line x1="${n1(x)}" y1="${oy}" x2="${n1(x)}" y2="${oy + h}" stroke="#f0f0f0"/>`);
      out.push(`<line x1="${n1(x)}" y1="${oy + h}" x2="${n1(x)}" y2="${oy + h + 3}" stroke="#999"/>`);
    }
    for (const v of xs.major) {
      const x = ox + xs.map(v, w);
      out.push(`<line x1="${n1(x)}" y1="${oy}" x2="${n1(x)}" y2="${oy + h}" stroke="#e2e2e2"/>`);
      out.push(`<line x1="${n1(x)}" y1="${oy + h}" x2="${n1(x)}" y2="${oy + h + 5}" stroke="#666"/>`);
      out.push(`<text x="${n1(x)}" y="${oy + h + 17}" font-size="10" text-anchor="middle">${esc(xs.label(v))}</text>`);
    }
  }
  out.push(`<rect x="${ox}" y="${oy}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${n1(ox + w / 2)}" y="${oy + h + 34}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>`);
  const ly = oy + h / 2;
  out.push(`<text x="${ox - 50}" y="${n1(ly)}" font-size="11" text-anchor="middle" transform="rotate(-90 ${ox - 50} ${n1(ly)})">${esc(yLabel)}</text>`);
  return out.join('\n');
}

function header(p: ChartPanel, ox: number, oy: number): string {
  const out = [`<text x="${ox}" y="${oy - 26}" font-size="14" font-weight="bold">${esc(p.title)}</text>`];
  if (p.subtitle) out.push(`<text x="${ox}" y="${oy - 10}" font-size="11" fill="#444">${esc(p.subtitle)}</text>`);
  return out.join('\n');
}

function linePanelSvg(p: LinePanel, ox: number, oy: number, w: number, h: number, id: string): string {
  const xs = p.xLog ? logScale(...extent(p.series.flatMap((s) => Array.from(s.x)).concat((p.vLines ?? []).map((l) => l.value)), true), p.xDomain) : linearScale(...extent(p.series.flatMap((s) => Array.from(s.x)), false), p.xDomain);
  const yValues = p.series.flatMap((s) => Array.from(s.y).concat(s.band ? Array.from(s.band.lo).concat(Array.from(s.band.hi)) : [])).concat((p.hLines ?? []).map((l) => l.value));
  const ys = p.yLog ? logScale(...extent(yValues, true), p.yDomain) : linearScale(...extent(yValues, false), p.yDomain);
  const ok = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!p.xLog || x > 0) && (!p.yLog || y > 0);
  const X = (v: number) => ox + xs.map(v, w);
  const Y = (v: number) => oy + h - ys.map(v, h);
  const clip = `clip-${id}`;
  const out: string[] = [axesSvg(ox, oy, w, h, xs, ys, p.xLabel, p.yLabel), header(p, ox, oy)];
  out.push(`<clipPath id="${clip}"><rect x="${ox}" y="${oy}" width="${w}" height="${h}"/></clipPath>`);
  out.push(`<g clip-path="url(#${clip})">`);
  p.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    if (!s.band) return;
    const up: string[] = [], down: string[] = [];
    for (let k = 0; k < s.x.length; k++) {
      if (!ok(s.x[k], s.band.lo[k]) || !ok(s.x[k], s.band.hi[k])) continue;
      up.push(`${n1(X(s.x[k]))} ${n1(Y(s.band.hi[k]))}`);
      down.unshift(`${n1(X(s.x[k]))} ${n1(Y(s.band.lo[k]))}`);
    }
    if (up.length > 1) out.push(`<path d="M${up.join('L')}L${down.join('L')}Z" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
  });
  for (const l of p.hLines ?? []) {
    if (p.yLog && l.value <= 0) continue;
    const y = Y(l.value);
    out.push(`<line x1="${ox}" y1="${n1(y)}" x2="${ox + w}" y2="${n1(y)}" stroke="${l.color ?? '#555'}" stroke-width="1.2" stroke-dasharray="${l.dash ?? '5 4'}"/>`);
    if (l.label) {
      const left = l.labelAt === 'left';
      out.push(`<text x="${left ? ox + 4 : ox + w - 4}" y="${n1(y - 4)}" font-size="10" text-anchor="${left ? 'start' : 'end'}" fill="${l.color ?? '#555'}">${esc(l.label)}</text>`);
    }
  }
  for (const l of p.vLines ?? []) {
    if (p.xLog && l.value <= 0) continue;
    const x = X(l.value);
    out.push(`<line x1="${n1(x)}" y1="${oy}" x2="${n1(x)}" y2="${oy + h}" stroke="${l.color ?? '#555'}" stroke-width="1.2" stroke-dasharray="${l.dash ?? '5 4'}"/>`);
    if (l.label) out.push(`<text x="${n1(x + 4)}" y="${oy + 12}" font-size="10" fill="${l.color ?? '#555'}">${esc(l.label)}</text>`);
  }
  p.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    if (!s.noLine) {
      let d = '';
      let pen = false;
      for (let k = 0; k < s.x.length; k++) {
        if (!ok(s.x[k], s.y[k])) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${n1(X(s.x[k]))} ${n1(Y(s.y[k]))}`;
        pen = true;
      }
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${s.width ?? 2}" stroke-linejoin="round"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    }
    if (s.noLine || (s.markers ?? s.x.length <= 40)) {
      const dots: string[] = [];
      for (let k = 0; k < s.x.length; k++) if (ok(s.x[k], s.y[k])) dots.push(`M${n1(X(s.x[k]))} ${n1(Y(s.y[k]))}h0`);
      out.push(`<path d="${dots.join('')}" stroke="${color}" stroke-width="${s.noLine ? 5 : 6}" stroke-linecap="round"/>`);
    }
  });
  out.push('</g>');
  return out.join('\n');
}

function barPanelSvg(p: BarPanel, ox: number, oy: number, w: number, h: number): string {
  const values = p.series.flatMap((s) => s.values).concat(p.reference?.values ?? []);
  const ys = linearScale(Math.min(0, ...values.filter(Number.isFinite)), Math.max(0, ...values.filter(Number.isFinite)), p.yDomain);
  const Y = (v: number) => oy + h - ys.map(Math.min(Math.max(v, ys.lo), ys.hi), h);
  const out: string[] = [axesSvg(ox, oy, w, h, null, ys, '', p.yLabel), header(p, ox, oy)];
  const G = p.categories.length;
  const S = p.series.length;
  const gw = w / G;
  const bw = (gw * 0.8) / Math.max(S, 1);
  p.categories.forEach((cat, g) => {
    const gx = ox + g * gw;
    out.push(`<text x="${n1(gx + gw / 2)}" y="${oy + h + 17}" font-size="11" text-anchor="middle">${esc(cat)}</text>`);
    if (g > 0) out.push(`<line x1="${n1(gx)}" y1="${oy + h}" x2="${n1(gx)}" y2="${oy + h + 6}" stroke="#666"/>`);
    p.series.forEach((s, i) => {
      const v = s.values[g];
      if (!Number.isFinite(v)) return;
      const x = gx + gw * 0.1 + i * bw;
      const y0 = Y(0), y1 = Y(v);
      out.push(`<rect x="${n1(x + 0.5)}" y="${n1(Math.min(y0, y1))}" width="${n1(Math.max(bw - 1, 1))}" height="${n1(Math.max(Math.abs(y0 - y1), 0.6))}" fill="${s.color ?? PALETTE[i % PALETTE.length]}"/>`);
    });
    if (p.reference && Number.isFinite(p.reference.values[g])) {
      const y = Y(p.reference.values[g]);
      out.push(`<line x1="${n1(gx + gw * 0.05)}" y1="${n1(y)}" x2="${n1(gx + gw * 0.95)}" y2="${n1(y)}" stroke="${p.reference.color ?? '#000'}" stroke-width="2.2"/>`);
    }
  });
  return out.join('\n');
}

function wrap(text: string, width: number): string[] {
  const max = Math.max(20, Math.floor(width / CHAR));
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/)) {
      if (!word) continue;
      if (line && line.length + 1 + word.length > max) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

/** A figure: panels on a grid (row-major), an optional title above and a wrapped caption below. */
export function figureSvg(panels: ChartPanel[], opts: FigureOptions = {}): string {
  const cols = Math.max(1, Math.min(opts.columns ?? panels.length, panels.length));
  const rowsOfPanels = Math.ceil(panels.length / cols);
  const pw = opts.panelWidth ?? 460;
  const ph = opts.plotHeight ?? 280;
  const plotW = pw - M.left - M.right;
  const legends = panels.map((p) => legendRows(legendItems(p), plotW + 30));
  const legendH = Math.max(0, ...legends.map((l) => l.length)) * LEGEND_ROW;
  const cellH = M.top + ph + M.bottom + legendH + 10;
  const titleH = opts.title ? 30 : 6;
  const W = cols * pw;
  const captionLines = opts.caption ? wrap(opts.caption, W - 24) : [];
  const H = titleH + rowsOfPanels * cellH + captionLines.length * 15 + 10;
  const body: string[] = [];
  panels.forEach((p, i) => {
    const ox = (i % cols) * pw + M.left;
    const oy = titleH + Math.floor(i / cols) * cellH + M.top;
    body.push(p.kind === 'line' ? linePanelSvg(p, ox, oy, plotW, ph, `p${i}`) : barPanelSvg(p, ox, oy, plotW, ph));
    body.push(legendSvg(legends[i], ox - 30, oy + ph + M.bottom + 12));
  });
  const capY = titleH + rowsOfPanels * cellH + 8;
  const caption = captionLines.map((l, k) => `<text x="12" y="${capY + k * 15}" font-size="11" fill="#444">${esc(l)}</text>`).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${opts.title ? `<text x="12" y="22" font-size="16" font-weight="bold">${esc(opts.title)}</text>` : ''}
${body.join('\n')}
${caption}
</svg>
`;
}
