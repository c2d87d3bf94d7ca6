// SPDX-License-Identifier: MIT
// Human-readable forms of a BenchReport: a terminal table, Markdown tables for BENCHMARKS.md, a
// text roofline and an SVG roofline (arithmetic intensity vs achieved GFLOP/s under the measured
// bandwidth slope).
import { figureSvg, PALETTE } from '../plot/lineSvg.js';
import type { LineSeries } from '../plot/lineSvg.js';
import type { BenchReport, BenchRow } from './run.js';

const si = (v: number) => {
  const a = Math.abs(v);
  if (a >= 1e12) return `${(v / 1e12).toPrecision(3)} T`;
  if (a >= 1e9) return `${(v / 1e9).toPrecision(3)} G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)} M`;
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)} k`;
  return v.toPrecision(3);
};
const pct = (v: number | null) => (v === null ? '—' : `${(100 * v).toPrecision(2)}%`);
const ratio = (v: number | undefined) => (v === undefined ? '—' : `${v.toPrecision(3)}×`);

export function peerNames(report: BenchReport): string[] {
  const names = new Set<string>();
  for (const r of report.results) for (const k of Object.keys(r.peers)) names.add(k);
  return [...names];
}

function header(report: BenchReport): string[] {
  const m = report.machine;
  const lines = [
    `langevin bench ${report.version} — ${report.deviceDescription}${report.quick ? ' (quick)' : ''}`,
    `CPU: ${m.cpuModel}, ${m.logicalCpus} logical CPUs; node ${m.node}`,
  ];
  if (m.gpu) lines.push(`GPU: ${m.gpu.name ?? '?'} (sm_${(m.gpu.capability ?? '').replace('.', '')}), driver/runtime ${m.gpu.driverVersion ?? '?'}/${m.gpu.runtimeVersion ?? '?'}`);
  if (report.bandwidth) lines.push(`bandwidth ceiling: ${si(report.bandwidth.bytesPerSecond)}B/s (${report.bandwidth.method}) → ${si(report.rooflineElementStepsPerSec!)} element-steps/s at 8 B each`);
  return lines;
}

/** A table for the terminal. */
export function formatText(report: BenchReport): string {
  if (report.skipped) return report.skipped + '\n';
  const peers = peerNames(report);
  const cols = ['family', 'size', 'chains×d', 'steps', 'seconds', 'elem-steps/s', 'chain-steps/s', 'ns/elem-step', 'GFLOP/s', 'of BW', ...peers.flatMap((p) => [`${p} elem-steps/s`, `÷ ${p}`])];
  const rows = report.results.map((r) => [
    r.family,
    r.size,
    `${r.chains}×${r.d}`,
    String(r.steps),
    r.seconds.toFixed(3),
    si(r.elementStepsPerSec),
    si(r.chainStepsPerSec),
    r.nsPerElementStep.toPrecision(3),
    r.gflops.toPrecision(3),
    pct(r.bandwidthFraction),
    ...peers.flatMap((p) => [r.peers[p] ? si(r.peers[p].elementStepsPerSec) : '—', ratio(r.peers[p]?.ratio)]),
  ]);
  for (const u of report.unavailable) rows.push([u.family, '—', '—', '—', '—', u.reason, ...Array(cols.length - 6).fill('')]);
  const w = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  const out = [...header(report), '', line(cols), ...rows.map(line)];
  for (const p of report.peers) if (!p.available) out.push(`peer ${p.peer}: not run (${p.reason})`);
  for (const n of report.notes.filter((s) => /diverged|requested|contention/.test(s))) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

/** Markdown tables for BENCHMARKS.md (one per family), the machine, and a text roofline. */
export function formatMarkdown(report: BenchReport): string {
  if (report.skipped) return `> ${report.skipped}\n`;
  const peers = peerNames(report);
  const out: string[] = [];
  const m = report.machine;
  out.push(`Command: \`${report.command}\` (${report.date})`, '');
  out.push(`- CPU: ${m.cpuModel}, ${m.logicalCpus} logical CPUs, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB; ${m.platform} ${m.arch}; node ${m.node}; backend threads ${report.threads || 'n/a'}`);
  if (m.addon) out.push(`- addon: ${m.addon.file.replace(/^.*\/(build\/)/, '$1')} built ${m.addon.modified}, sha256 ${m.addon.sha256}…`);
  if (m.gpu) out.push(`- GPU: ${m.gpu.name ?? '?'} (compute ${m.gpu.capability ?? '?'}), driver ${m.gpu.driverVersion ?? '?'}, CUDA runtime ${m.gpu.runtimeVersion ?? '?'}`);
  for (const p of report.peers) out.push(`- peer ${p.peer}: ${p.available ? `version ${p.version}${p.details ? ` (${Object.entries(p.details).filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}` : `not run: ${p.reason}`}`);
  if (report.bandwidth) out.push(`- bandwidth ceiling: **${si(report.bandwidth.bytesPerSecond)}B/s** (${report.bandwidth.method}); at 8 B per element-step the roofline is **${si(report.rooflineElementStepsPerSec!)} element-steps/s**`);
  const cont = report.contention;
  out.push(`- other processes' CPU use while timing (average CPUs busy; 0 = idle machine): langevin ${cont.langevinOtherCpus?.toFixed(2) ?? '?'}, peers ${cont.peersOtherCpus?.toFixed(2) ?? '?'}`);
  out.push('');
  const head = ['size', 'chains × d (m)', 'steps', 'element-steps/s', 'chain-steps/s', 'ns / element-step', 'GFLOP/s (flop/elem)', 'of BW roofline', ...peers.flatMap((p) => [`${p} element-steps/s`, `ratio vs ${p}`]), `other CPUs busy (langevin${peers.map((p) => ' / ' + p).join('')})`];
  const families = [...new Set(report.results.map((r) => r.family))];
  for (const f of families) {
    out.push(`#### ${f}`, '');
    out.push(`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`);
    for (const r of report.results.filter((x) => x.family === f)) {
      const cells = [
        r.size,
        `${r.chains} × ${r.d} (${r.m})`,
        String(r.steps),
        si(r.elementStepsPerSec),
        si(r.chainStepsPerSec),
        r.nsPerElementStep.toPrecision(3),
        `${r.gflops.toPrecision(3)} (${r.flopsPerElementStep.toFixed(r.flopsPerElementStep % 1 ? 1 : 0)})`,
        pct(r.bandwidthFraction),
        ...peers.flatMap((p) => [r.peers[p] ? `${si(r.peers[p].elementStepsPerSec)} (${r.peers[p].steps} steps)` : '—', r.peers[p] ? `**${ratio(r.peers[p].ratio)}**` : '—']),
        [r.otherCpus, ...peers.map((p) => r.peers[p]?.otherCpus)].map((v) => (v === null || v === undefined ? '?' : v.toFixed(2))).join(' / '),
      ];
      out.push(`| ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  for (const u of report.unavailable) out.push(`#### ${u.family}`, '', u.reason, '');
  out.push('Text roofline (log₁₀ of element-steps/s; `|` marks the bandwidth ceiling at 8 B per element-step):', '', '```', textRoofline(report), '```', '');
  return out.join('\n');
}

/** Bars of log10(element-steps/s) per row, with the bandwidth roofline marked. */
export function textRoofline(report: BenchReport, width = 56): string {
  const rows = report.results;
  if (!rows.length) return '(no rows)';
  const roof = report.rooflineElementStepsPerSec;
  const vals = rows.flatMap((r) => [r.elementStepsPerSec, ...Object.values(r.peers).map((p) => p.elementStepsPerSec)]);
  if (roof) vals.push(roof);
  const lo = Math.floor(Math.log10(Math.min(...vals)));
  const hi = Math.ceil(Math.log10(Math.max(...vals)));
  const pos = (v: number) => Math.round(((Math.log10(v) - lo) / (hi - lo)) * width);
  const label = (r: BenchRow) => `${r.family}/${r.size}`.padEnd(16);
  const lines: string[] = [];
  const bar = (v: number, ch: string) => {
    const n = pos(v);
    const cells = Array.from({ length: width + 1 }, (_, i) => (i < n ? ch : ' '));
    if (roof) cells[pos(roof)] = '|';
    return cells.join('');
  };
  for (const r of rows) {
    lines.push(`${label(r)} ${bar(r.elementStepsPerSec, '#')} ${si(r.elementStepsPerSec)}`);
    for (const [p, v] of Object.entries(r.peers)) lines.push(`${('  ' + p).padEnd(16)} ${bar(v.elementStepsPerSec, '.')} ${si(v.elementStepsPerSec)}`);
  }
  const axis = Array.from({ length: width + 6 }, () => ' ');
  for (let e = lo; e <= hi; e++) {
    const s = `1e${e}`;
    const p = pos(10 ** e);
    for (let i = 0; i < s.length; i++) axis[p + i] = s[i];
  }
  lines.push(`${''.padEnd(16)} ${axis.join('').trimEnd()}`);
  lines.push(`${'#'.padEnd(16)} langevin (${report.device})${Object.keys(rows[0].peers).length ? '   . peers' : ''}${roof ? `   | roofline ${si(roof)} element-steps/s` : ''}`);
  return lines.join('\n');
}

/** Roofline figure: x = flop per byte of compulsory traffic, y = GFLOP/s, bandwidth slope. */
export function rooflineSvg(report: BenchReport): string {
  const bw = report.bandwidth?.bytesPerSecond;
  const families = [...new Set(report.results.map((r) => r.family))];
  const series: LineSeries[] = families.map((f, i) => {
    const rows = report.results.filter((r) => r.family === f);
    return { label: `${f} (langevin)`, x: rows.map((r) => r.flopsPerElementStep / r.bytesPerElementStep), y: rows.map((r) => r.gflops), color: PALETTE[i % PALETTE.length], noLine: true, markers: true };
  });
  const xs = report.results.map((r) => r.flopsPerElementStep / r.bytesPerElementStep);
  const xmin = Math.min(...xs) / 2;
  const xmax = Math.max(...xs) * 2;
  if (bw) series.push({ label: `bandwidth ceiling ${(bw / 1e9).toFixed(1)} GB/s × intensity`, x: [xmin, xmax], y: [(bw * xmin) / 1e9, (bw * xmax) / 1e9], color: '#000', dash: '6 4', markers: false });
  return figureSvg(
    [
      {
        kind: 'line',
        title: `langevin fused step on ${report.deviceDescription}`,
        subtitle: 'each point: one size (small, medium, large)',
        xLabel: 'flop per byte of state traffic (8 B / element-step)',
        yLabel: 'GFLOP/s (drift + update, RNG not counted)',
        xLog: true,
        yLog: true,
        series,
      },
    ],
    {
      caption: `Roofline: achieved drift+update arithmetic rate against the ceiling bandwidth × intensity (${report.bandwidth?.method ?? 'no bandwidth measured'}). Command: ${report.command}`,
      panelWidth: 640,
      plotHeight: 360,
    },
  );
}
