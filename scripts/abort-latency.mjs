// SPDX-License-Identifier: MIT
// Abort latency at 10⁶ chains: start a run, abort it after each delay (spread over init, the native
// phase and the JS tail), and print how long the rejection took, plus the worst event-loop stall.
// Usage: node scripts/abort-latency.mjs [chains] [delays ms, comma-separated]   (after npx tsc)
import { parseProblem } from '../dist/lib/problem/index.js';
import { sample } from '../dist/lib/sample.js';

const chains = Number(process.argv[2] ?? 1_000_000);
const given = process.argv[3]?.split(',').map(Number);
const problem = parseProblem({
  prior: { type: 'gmm', weights: [0.4, 0.6], means: [[0, 1, -1], [2, 0, 1]], covariance: { type: 'diagonal', variances: [[1, 0.5, 2], [1, 1, 1]] } },
  likelihood: { operator: { type: 'dense', matrix: [[1, 0, 0.5], [0, 1, -1]] }, y: [0.3, -0.2], noiseStd: 0.5 },
});
const opts = { chains, steps: 20, device: 'cpu' };
// Two uncancelled runs (the first warms up); the second's timeline places the aborts: during the
// initial draws, across the native phase, and through the JS tail after it.
let timeline;
for (let i = 0; i < 2; i++) {
  const t0 = performance.now();
  let first;
  const full = await sample(problem, { ...opts, onProgress: () => (first ??= performance.now() - t0) });
  const total = performance.now() - t0;
  timeline = { firstProgress: first, nativeEnd: first + full.summary.phases[0].seconds * 1000, total };
}
console.log(`uncancelled run: ${(timeline.total / 1000).toFixed(2)} s; first progress ${timeline.firstProgress.toFixed(0)} ms; native phase ends ≈ ${timeline.nativeEnd.toFixed(0)} ms`);
const { firstProgress: p, nativeEnd: e, total: T } = timeline;
const delays = given ?? [0.2 * p, 0.5 * p, 0.8 * p, p + 0.3 * (e - p), p + 0.7 * (e - p), ...[0.1, 0.3, 0.5, 0.7, 0.9].map((f) => e + f * (T - e))].map((v) => Math.round(v));
const rows = [];
for (const delay of delays) {
  const controller = new AbortController();
  let aborted = 0;
  let late = 0;
  let last = performance.now();
  let worst = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 5);
  const timer = setTimeout(() => {
    aborted = performance.now();
    late = aborted - start - delay;
    controller.abort(new Error('latency probe'));
  }, delay);
  const start = performance.now();
  const outcome = await sample(problem, { ...opts, signal: controller.signal }).then(() => 'finished', (e) => e.code);
  const done = performance.now();
  clearTimeout(timer);
  clearInterval(tick);
  const fired = aborted > 0;
  rows.push({ delay, outcome, latencyMs: fired ? +(done - aborted).toFixed(1) : null, timerLateMs: fired ? +late.toFixed(1) : null, worstStallMs: +worst.toFixed(0) });
  console.log(JSON.stringify(rows[rows.length - 1]));
}
const fired = rows.filter((r) => r.latencyMs !== null);
const worst = Math.max(...fired.map((r) => r.latencyMs + r.timerLateMs));
console.log(`abort → rejection: max ${Math.max(...fired.map((r) => r.latencyMs)).toFixed(1)} ms; including the abort timer's lateness (event-loop stalls): max ${worst.toFixed(1)} ms; over ${fired.length} aborts`);
