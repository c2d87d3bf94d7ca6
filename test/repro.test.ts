// SPDX-License-Identifier: MIT
// The reproductions (`langevin repro <name>`), shrunk to a few seconds each: files written, JSON
// fields present, and — for XGP's Figure 3 — the simulated minimum of Var(X_t) against the exact
// 0.50495 within a few standard errors.
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figureSvg } from '../lib/plot/lineSvg.js';
import { almcWarmstart, dalmcKappa, gmmWeights, REPRO_NAMES, xgpFigure3 } from '../lib/repro/index.js';

const dir = mkdtempSync(join(tmpdir(), 'langevin-repro-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function readOutputs(t: { true(v: boolean, m?: string): void }, name: string): Record<string, unknown> {
  const svg = join(dir, `${name}.svg`);
  const json = join(dir, `${name}.json`);
  t.true(existsSync(svg), `${svg} missing`);
  t.true(existsSync(json), `${json} missing`);
  const text = readFileSync(svg, 'utf8');
  t.true(text.startsWith('<svg') && text.trimEnd().endsWith('</svg>'), 'not an SVG document');
  t.true(!/NaN|undefined|Infinity/.test(text), 'non-finite numbers in the SVG');
  return JSON.parse(readFileSync(json, 'utf8'));
}

test('the registry names the four repros', (t) => {
  t.deepEqual([...REPRO_NAMES].sort(), ['almc-warmstart', 'dalmc-kappa', 'gmm-weights', 'xgp-figure3']);
});

test.serial('gmm-weights: exact and sampled weights per sampler; LMC from one big mode collapses', async (t) => {
  const r = await gmmWeights({ outDir: dir, chains: 300, seed: 1, device: 'cpu', lmcSteps: 300 });
  const j = readOutputs(t, 'gmm-weights') as unknown as typeof r;
  t.is(j.name, 'gmm-weights');
  t.is(j.exactWeights.length, 4);
  t.deepEqual(j.runs.map((x) => x.sampler), ['lmc', 'lmc', 'lmc', 'almc', 'xgp', 'dalmc', 'almc', 'xgp', 'dalmc']);
  for (const x of j.runs) {
    t.is(x.weights.length, 4);
    t.true(x.totalVariation >= 0 && x.totalVariation <= 1);
    t.true(x.seconds >= 0);
  }
  t.true(j.notes.some((n) => n.includes('log-concave')));
  // Every chain starts at (−2, 2), the mean of a mode with exact weight ≈ 0.5: most stay there.
  const collapsed = j.runs[0];
  t.true(collapsed.weights[1] > 0.8, `weights ${collapsed.weights}`);
  t.true(collapsed.totalVariation > 0.3);
});

test.serial('almc-warmstart: both variants per κ on both problems, with the coupling distance', async (t) => {
  await almcWarmstart({ outDir: dir, chains: 200, seed: 1, device: 'cpu', kappaMultipliers: [0.003, 0.1] });
  const j = readOutputs(t, 'almc-warmstart') as unknown as Awaited<ReturnType<typeof almcWarmstart>>;
  t.is(j.problems.length, 2);
  for (const p of j.problems) {
    t.is(p.points.length, 4);
    t.deepEqual(p.points.map((q) => q.variant), ['warm start', 'no warm start', 'warm start', 'no warm start']);
    t.true(p.points.filter((q) => q.variant === 'no warm start').every((q) => q.warmStartSteps === 0));
    t.true(p.points.filter((q) => q.variant === 'warm start').every((q) => q.warmStartSteps > 0));
    t.is(p.coupling.length, 2);
    for (const q of p.points) for (const k of ['totalVariation', 'meanError', 'covRelError'] as const) t.true(Number.isFinite(q[k]));
    // Shared annealing noise: the start is forgotten faster with a longer annealing.
    t.true(p.coupling[1].rmsDistance <= p.coupling[0].rmsDistance);
  }
  t.true(j.problems[1].tiltedDistanceSd > 3 * j.problems[0].tiltedDistanceSd);
});

test.serial('xgp-figure3: the simulated minimum of Var(X_t) is within 4 standard errors of 0.50495', async (t) => {
  const r = await xgpFigure3({ outDir: dir, chains: 30_000, seed: 3, device: 'cpu', stepSize: 4e-5, tMax: 0.012 });
  const j = readOutputs(t, 'xgp-figure3') as unknown as typeof r;
  t.is(j.curve.t.length, j.curve.simulated.length);
  t.is(j.curve.t.length, j.curve.exact.length);
  t.true(Math.abs(j.exact.minVariance - 0.50495) < 1e-5);
  t.true(Math.abs(j.exact.tStar - 6.863e-3) < 1e-6);
  const s = j.simulated;
  t.true(Math.abs(s.standardError - Math.sqrt((2 * 0.50495 ** 2) / (30_000 - 1))) < 2e-4);
  t.true(Math.abs(s.minVariance - 0.50495) < 4 * s.standardError, `min ${s.minVariance} vs 0.50495 (SE ${s.standardError})`);
  t.true(Math.abs(s.tAtMin - 6.863e-3) < 1.5e-3, `t at min ${s.tAtMin}`);
  t.is(s.diverged, 0);
  t.true(j.discretisationEffect < s.standardError);
});

test.serial('dalmc-kappa: bias grows with κ; floors and the KL bound are recorded', async (t) => {
  await dalmcKappa({ outDir: dir, chains: 2000, seed: 1, device: 'cpu', kappaMultipliers: [8, 128], stepSize: 0.02, floorRepeats: 2 });
  const j = readOutputs(t, 'dalmc-kappa') as unknown as Awaited<ReturnType<typeof dalmcKappa>>;
  t.is(j.points.length, 2);
  t.true(j.actionBound > 0 && j.kappaDefault > 0);
  for (const k of ['totalVariation', 'meanError', 'covFrobenius', 'momentError'] as const) t.true(j.floor[k] > 0);
  const [small, large] = j.points;
  t.true(large.klBound > small.klBound);
  t.true(large.momentError > small.momentError, `moment error ${small.momentError} → ${large.momentError}`);
  t.true(large.totalVariation > small.totalVariation, `TV ${small.totalVariation} → ${large.totalVariation}`);
  t.truthy(j.slopes);
});

test('figureSvg: log axes skip non-positive values, bars and references are drawn', (t) => {
  const svg = figureSvg(
    [
      { kind: 'line', title: 'a', xLabel: 'x', yLabel: 'y', xLog: true, yLog: true, series: [{ label: 's', x: [0.01, 0.1, 1, 0], y: [1e-3, 0, 1, 2] }], hLines: [{ value: 0.01, label: 'floor' }] },
      { kind: 'bar', title: 'b', yLabel: 'w', categories: ['m1', 'm2'], series: [{ label: 'A', values: [0.2, 0.8] }], reference: { label: 'exact', values: [0.5, 0.5] } },
    ],
    { columns: 2, caption: 'a caption long enough to wrap '.repeat(10) },
  );
  t.true(svg.startsWith('<svg'));
  t.false(/NaN|Infinity/.test(svg));
  t.is((svg.match(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="#1f77b4"\/>/g) ?? []).length, 3); // 2 bars + legend swatch
  t.true(svg.includes('>exact<'));
  t.true(svg.split('\n').filter((l) => l.includes('font-size="11" fill="#444"')).length >= 2, 'caption wrapped');
});
