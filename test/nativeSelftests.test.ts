// SPDX-License-Identifier: MIT
// The native standalone self-tests, compiled here with g++ -O1 once each and run: the chunk plan
// (test/native/chunk_plan.cc) and the emulated GPU kernels (native/simt): image_selftest.cc checks the imaging operator and patch-prior kernels
// (image_op_batch.h, patch_score_batch.h) against core's per-chain functions, with negative
// checks (a wrong halo, no barriers); selftest.cc checks the phase kernels. scripts/sanitize.sh
// runs the same programs under ASan+UBSan and TSan. Skipped, saying so, only where g++ is missing.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hasGpp = !spawnSync('g++', ['--version']).error;

function buildAndRun(sources: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'langevin-simt-'));
  try {
    const exe = join(dir, 'selftest');
    const cc = spawnSync('g++', ['-std=c++17', '-O1', '-ffp-contract=off', '-pthread', ...sources.map((s) => join(root, s)), '-o', exe], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (cc.status !== 0) return { built: false, status: cc.status, out: `${cc.stdout}${cc.stderr}${cc.error ?? ''}` };
    const run = spawnSync(exe, [], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, LANGEVIN_SIMT_TSAN: '' } });
    return { built: true, status: run.status, out: `${run.stdout}${run.stderr}${run.error ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases = [
  { name: 'imaging and patch-prior kernels (native/simt/image_selftest.cc)', sources: ['native/simt/image_selftest.cc'], done: 'image selftest: 0 failure(s)', minOk: 36 },
  { name: 'phase kernels (native/simt/selftest.cc)', sources: ['native/simt/selftest.cc', 'native/simt/simt_backend.cc'], done: 'simt selftest: 0 failure(s)', minOk: 14 },
  { name: 'chunk plan (test/native/chunk_plan.cc)', sources: ['test/native/chunk_plan.cc'], done: 'chunk plan: 0 failure(s)', minOk: 7 },
];

for (const c of cases) {
  if (!hasGpp) {
    test.skip(`native self-test ${c.name}: SKIPPED, g++ not found on PATH`, () => {});
    continue;
  }
  test(`native self-test: ${c.name}`, (t) => {
    const r = buildAndRun(c.sources);
    t.true(r.built, `g++ failed:\n${r.out}`);
    t.is(r.status, 0, r.out);
    t.true(r.out.includes(c.done), r.out);
    t.false(/^FAIL/m.test(r.out), r.out);
    // Every check ran (a program that stopped early would print fewer).
    t.true((r.out.match(/^ok /gm) ?? []).length >= c.minOk, r.out);
  });
}
