// SPDX-License-Identifier: MIT
// Hashes of native normals and of short CPU phases on several problem shapes. test/fastmath.test.ts
// runs this in-process and in a child with LANGEVIN_CPU_ISA=baseline: the hashes must be equal.
import { fileURLToPath } from 'node:url';
import { freshStatus } from '../../lib/engine/chains.js';
import { operatorTables, priorTables } from '../../lib/engine/nativeTables.js';
import { runPhase } from '../../lib/engine/phase.js';
import { parseProblem } from '../../lib/problem/index.js';
import { drawNormals } from '../../lib/engine/rng.js';
import { constantSchedule } from '../../lib/samplers/schedule.js';
import { randomProblem, type Kind } from './problems.js';
import { rng } from './stats.js';

function fnv1a(a: Float32Array | Int32Array): string {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return `${(h >>> 0).toString(16)}/${a.length}`;
}

export async function isaProbe(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  out.normals = fnv1a(await drawNormals({ seed: 3n, stream: 4, step: 5, chainOffset: 6 }, 64, 100));
  const cases: [Kind, 'identity' | 'mask' | 'dense', number][] = [['isotropic', 'identity', 1], ['diagonal', 'mask', 8], ['full', 'dense', 3]];
  for (const [kind, operator, K] of cases) {
    const d = 45, chains = 37; // 45: one 32-normal SIMD batch plus tails; 37 chains: two blocks
    const problem = parseProblem(randomProblem({ seed: 8, d, m: 20, K, kind, noiseStd: 0.3, operator }));
    const r = rng(2);
    const x = Float32Array.from({ length: chains * d }, () => 2 * r() - 1);
    const res = await runPhase(
      { device: 'cpu', threads: 2, seed: 11n, chainOffset: 0, prior: priorTables(problem.prior), operator: operatorTables(problem.likelihood!.operator), y: Float32Array.from(problem.likelihood!.y) },
      { name: 'isa', stream: 2, stepOffset: 0, schedule: constantSchedule(30, { h: 0.01, a: 1, b2: 0.05, c: 4 }) },
      { chains, dim: d, x, status: freshStatus(chains) },
    );
    out[`${kind}/${operator}`] = fnv1a(res.x);
    out[`${kind}/${operator}/status`] = fnv1a(res.status);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  isaProbe().then((h) => process.stdout.write(JSON.stringify(h)));
}
