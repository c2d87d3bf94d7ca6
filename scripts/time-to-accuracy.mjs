#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Time to accuracy: seconds for each sampler to reach mode weights within TV ≤ 0.05 of the exact
// posterior at 2000 chains, per problem size of the hard suite (lib/bench/hardSuite.ts) — before
// (the papers' plain annealing, reweight: false, and LMC) and after (the reweighted defaults).
// Also the cheapest reweighted setting that reaches the same accuracy (moves per level 1, 2, 4…),
// so "the default costs no more than 10× what the sampler needs" is measured, not assumed.
//
//   node scripts/time-to-accuracy.mjs [--limit 120] [--sizes 2,8,16,32,64] [--samplers lmc,almc,dalmc,xgp] [--json out.json] [--skip-before 1]
//   node scripts/time-to-accuracy.mjs --blur 1   (the Gaussian-prior × blur table)
//   node scripts/time-to-accuracy.mjs --seeds 8 --sizes 64 --samplers almc,dalmc,xgp   (TV over problem seeds)
// Needs the build (npm run build). A plain run longer than --limit seconds is stopped and reported as "> limit".
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { gaussianBlur, separatedModes } from '../dist/lib/bench/hardSuite.js';
import { symmetricEigen } from '../dist/lib/math/linalg.js';
import { exactPosteriorOf, parseProblem, sample } from '../dist/lib/index.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const limit = Number(args.limit ?? 120);
const sizes = (args.sizes ?? '2,8,16,32,64').split(',').map(Number);
const samplers = (args.samplers ?? 'lmc,almc,dalmc,xgp').split(',');
const CHAINS = 2000;
const TARGET = 0.05;

// One problem per size: separated modes (6 prior sd) reweighted .9/.1 → .15/.85, harder as d grows.
const SPECS = {
  2: { seed: 1, d: 2, kind: 'isotropic', operator: 'dense', m: 1, noiseStd: 0.3 },
  8: { seed: 2, d: 8, kind: 'full', condition: 30, operator: 'dense', noiseStd: 0.1 },
  16: { seed: 3, d: 16, kind: 'diagonal', condition: 30, operator: 'mask', noiseStd: 0.05 },
  32: { seed: 6, d: 32, kind: 'isotropic', operator: 'dense', noiseStd: 1 },
  64: { seed: 4, d: 64, kind: 'full', condition: 100, operator: 'dense', noiseStd: 0.01 },
};

async function timed(problem, options) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`over ${limit} s`)), limit * 1000);
  const t0 = performance.now();
  try {
    const r = await sample(problem, { chains: CHAINS, seed: 1, device: 'cpu', signal: ac.signal, ...options });
    const e = r.summary.diagnostics.exact;
    const steps = r.summary.diagnostics.reweighting?.totalSteps ?? r.summary.phases.reduce((s, p) => s + p.steps, 0);
    return { seconds: (performance.now() - t0) / 1000, tv: e.modeWeights.totalVariation, modeMeanZ: e.modeMeanZMax, steps, warnings: r.summary.warnings.length };
  } catch (err) {
    if (err?.code === 'E_ABORTED') return { seconds: limit, tv: null, aborted: true };
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

if (args.blur !== undefined) {
  await blurTable();
  process.exit(0);
}
if (args.seeds !== undefined) {
  await seedTable(Number(args.seeds));
  process.exit(0);
}

const rows = [];
for (const d of sizes) {
  const problem = parseProblem(separatedModes(SPECS[d]));
  for (const s of samplers) {
    const row = { d, sampler: s };
    if (s === 'lmc') {
      if (args['skip-before'] === undefined) row.before = await timed(problem, { sampler: 'lmc' });
    } else {
      if (args['skip-before'] === undefined) row.before = await timed(problem, { sampler: s, [s]: { reweight: false } });
      row.after = await timed(problem, { sampler: s });
      // The cheapest setting of the same sampler that reaches the target: moves per level 1, 2, 4, ….
      for (const moves of [1, 2, 4, 8]) {
        const r = await timed(problem, { sampler: s, steps: moves });
        // The same accuracy as the default's: TV ≤ 0.05 and every check of lib/diagnostics/health.ts passed.
        if (r.tv !== null && r.tv <= TARGET && r.warnings === 0) {
          row.cheapest = { moves, ...r };
          break;
        }
      }
    }
    rows.push(row);
    console.error(JSON.stringify(row));
  }
}

const fmt = (r) => (r === undefined ? '—' : r.aborted ? `> ${limit} s (stopped)` : `${r.seconds.toFixed(1)} s, TV ${r.tv.toFixed(3)}${r.tv <= TARGET ? '' : ' ✗'}, ${r.steps} steps`);
const lines = [
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; node ${process.version}; ${CHAINS} chains, seed 1, CPU backend.`,
  '',
  '| d | sampler | before: plain (paper) default | after: reweighted default | cheapest reweighted setting with TV ≤ 0.05 | default steps / cheapest |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.d} | ${r.sampler} | ${fmt(r.before)} | ${fmt(r.after)} | ${r.cheapest ? `${r.cheapest.moves} move(s)/level: ${fmt(r.cheapest)}` : '—'} | ${r.cheapest && r.after ? (r.after.steps / r.cheapest.steps).toFixed(1) + '×' : '—'} |`),
];
console.log(lines.join('\n'));
if (args.json) writeFileSync(args.json, JSON.stringify({ chains: CHAINS, target: TARGET, limit, rows }, null, 2));

// Gaussian prior × 3×3 blur, d = 64, σ = 0.01: a unimodal posterior, where accuracy is the χ² test
// of the mean and the whitened-variance test (every eigen-direction's variance within 5 sd of 1,
// plus ULA's 5 % bias for LMC). LMC's default against the fewest steps that still pass.
async function blurTable() {
  const problem = parseProblem(gaussianBlur({ seed: 7, side: 8, noiseStd: 0.01 }));
  const post = exactPosteriorOf(problem);
  const d = 64;
  const { values, vectors } = symmetricEigen(post.covariance, d);
  const check = (x, lmc) => {
    const mean = new Float64Array(d), cov = new Float64Array(d * d);
    for (let c = 0; c < CHAINS; c++) for (let i = 0; i < d; i++) mean[i] += x[c * d + i] / CHAINS;
    for (let c = 0; c < CHAINS; c++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j] += ((x[c * d + i] - mean[i]) * (x[c * d + j] - mean[j])) / (CHAINS - 1);
    let chi = 0, worst = 0;
    for (let j = 0; j < d; j++) {
      let p = 0, v = 0;
      for (let a = 0; a < d; a++) p += vectors[a * d + j] * (mean[a] - post.mean[a]);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) v += vectors[a * d + j] * cov[a * d + b] * vectors[b * d + j];
      chi += (CHAINS * p * p) / values[j];
      worst = Math.max(worst, Math.abs(v / values[j] - 1));
    }
    const bound = d * (1 - 2 / (9 * d) + 3.719 * Math.sqrt(2 / (9 * d))) ** 3;
    return { chi, bound, worst, pass: chi < bound && worst < 5 * Math.sqrt(2 / (CHAINS - 1)) + (lmc ? 0.05 : 0) };
  };
  const out = [];
  const run = async (label, opts) => {
    const t0 = performance.now();
    const r = await sample(problem, { chains: CHAINS, seed: 2, device: 'cpu', ...opts });
    const steps = r.summary.diagnostics.reweighting?.totalSteps ?? r.summary.phases.reduce((s, p) => s + p.steps, 0);
    const c = check(r.samples, opts.sampler === 'lmc');
    out.push({ label, seconds: (performance.now() - t0) / 1000, steps, ...c });
    console.error(JSON.stringify(out.at(-1)));
  };
  for (const s of ['lmc', 'almc', 'dalmc', 'xgp']) await run(`${s} default`, { sampler: s });
  for (const steps of [4000, 2000, 1000, 500]) await run(`lmc, ${steps} steps`, { sampler: 'lmc', steps });
  for (const s of ['almc', 'dalmc', 'xgp']) await run(`${s}, 1 move per level`, { sampler: s, steps: 1 });
  console.log(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; node ${process.version}; ${CHAINS} chains, seed 2.`);
  console.log('');
  console.log('| run | seconds | steps | mean χ²₆₄ (bound) | worst whitened variance error | passes |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of out) console.log(`| ${r.label} | ${r.seconds.toFixed(1)} | ${r.steps} | ${r.chi.toFixed(1)} (${r.bound.toFixed(1)}) | ${r.worst.toFixed(3)} | ${r.pass ? 'yes' : 'no'} |`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ chains: CHAINS, rows: out }, null, 2));
}

// The run-to-run spread of the reweighted defaults' mode weights: the same size of problem drawn
// with N seeds (seed 100 + k), TV of each run; its RMS is the mode-weight error to expect.
async function seedTable(n) {
  console.log(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; node ${process.version}; ${CHAINS} chains, sampler seed 1, problem seeds 100…${99 + n}.`);
  console.log('');
  console.log('| d | sampler | TV per problem seed | RMS | max | mean seconds |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const d of sizes)
    for (const s of samplers) {
      const tvs = [], secs = [];
      for (let k = 0; k < n; k++) {
        const r = await timed(parseProblem(separatedModes({ ...SPECS[d], seed: 100 + k })), { sampler: s });
        tvs.push(r.tv);
        secs.push(r.seconds);
      }
      const rms = Math.sqrt(tvs.reduce((a, v) => a + v * v, 0) / n);
      console.log(`| ${d} | ${s} | ${tvs.map((v) => v.toFixed(3)).join(' ')} | ${rms.toFixed(3)} | ${Math.max(...tvs).toFixed(3)} | ${(secs.reduce((a, b) => a + b, 0) / n).toFixed(1)} |`);
    }
}
