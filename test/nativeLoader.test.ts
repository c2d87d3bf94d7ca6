// SPDX-License-Identifier: MIT
// The prebuilt-addon choice: a matching manifest is picked (CUDA only with a driver), a mismatched
// one (N-API too new, other platform) is refused with a message that says why, and with none the
// loader falls back to the source build. The real install of a packed tarball is scripts/pack-smoke.mjs.
import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { choosePrebuilt, type LoaderHost, type PrebuildManifest } from '../lib/engine/nativeLoader.js';

const host: LoaderHost = { platform: 'linux', arch: 'x64', napiVersion: 9, gpuDriver: false };

function fakePackage(variants: Record<string, Partial<PrebuildManifest>>): string {
  const root = mkdtempSync(join(tmpdir(), 'langevin-loader-'));
  for (const [variant, m] of Object.entries(variants)) {
    const dir = join(root, 'prebuilds', 'linux-x64', variant);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'langevin.node'), '');
    const manifest = { name: 'langevin', version: '0.1.0', platform: 'linux', arch: 'x64', variant, napiVersion: 8, flags: [], sourceHash: 'x', ...m };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  }
  return root;
}

test('a matching CPU prebuilt is chosen', (t) => {
  const root = fakePackage({ cpu: {} });
  const c = choosePrebuilt(root, host);
  t.is(c.kind, 'prebuilt');
  if (c.kind === 'prebuilt') t.is(c.path, join(root, 'prebuilds', 'linux-x64', 'cpu', 'langevin.node'));
});

test('the CUDA variant is preferred only when an NVIDIA driver is present', (t) => {
  const root = fakePackage({ cpu: {}, cuda: {} });
  const noGpu = choosePrebuilt(root, host);
  t.is(noGpu.kind === 'prebuilt' && noGpu.manifest.variant, 'cpu');
  const gpu = choosePrebuilt(root, { ...host, gpuDriver: true });
  t.is(gpu.kind === 'prebuilt' && gpu.manifest.variant, 'cuda');
});

test('an ABI-mismatched prebuilt is refused with a clear reason, falling back to the CPU one', (t) => {
  const root = fakePackage({ cpu: {}, cuda: { napiVersion: 10 } });
  const c = choosePrebuilt(root, { ...host, gpuDriver: true });
  t.is(c.kind === 'prebuilt' && c.manifest.variant, 'cpu');
  const only = fakePackage({ cpu: { napiVersion: 10 } });
  const s = choosePrebuilt(only, host);
  t.is(s.kind, 'source');
  if (s.kind === 'source') t.regex(s.reasons.join('\n'), /prebuilt cpu refused: needs N-API 10, this node .* provides N-API 9/);
});

test('a prebuilt for another platform is refused', (t) => {
  const root = fakePackage({ cpu: { arch: 'arm64' } });
  const c = choosePrebuilt(root, host);
  t.is(c.kind, 'source');
  if (c.kind === 'source') t.regex(c.reasons[0], /built for linux-arm64, this is linux-x64/);
});

test('no prebuilds directory means a source build', (t) => {
  const c = choosePrebuilt(mkdtempSync(join(tmpdir(), 'langevin-loader-')), host);
  t.deepEqual(c, { kind: 'source', reasons: ['no prebuilt addon for linux-x64'] });
});
