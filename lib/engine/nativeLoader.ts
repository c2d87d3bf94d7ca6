// SPDX-License-Identifier: MIT
// Chooses the prebuilt addon shipped in prebuilds/<platform>-<arch>/ whose manifest matches this
// process (CUDA variant when an NVIDIA driver is present, else CPU). lib/engine/native.ts loads it when
// there is no local source build; scripts/build-native.mjs uses it to skip compiling on install.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What scripts/prebuild.mjs writes beside each prebuilt langevin.node. */
export interface PrebuildManifest {
  name: string;
  version: string;
  platform: string;
  arch: string;
  variant: 'cpu' | 'cuda';
  napiVersion: number;
  flags: string[];
  sourceHash: string;
}

export interface LoaderHost {
  platform: string;
  arch: string;
  /** N-API versions this node supports (process.versions.napi). */
  napiVersion: number;
  /** An NVIDIA kernel driver is present, so the CUDA variant can find a device. */
  gpuDriver: boolean;
}

export type PrebuildChoice =
  | { kind: 'prebuilt'; path: string; manifest: PrebuildManifest }
  | { kind: 'source'; reasons: string[] };

export function currentHost(): LoaderHost {
  return {
    platform: process.platform,
    arch: process.arch,
    napiVersion: Number(process.versions.napi ?? 0),
    gpuDriver: existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidiactl'),
  };
}

/** Why a prebuilt manifest cannot be loaded by this host, or undefined when it can. */
export function mismatch(m: PrebuildManifest, host: LoaderHost): string | undefined {
  if (m.platform !== host.platform || m.arch !== host.arch) {
    return `built for ${m.platform}-${m.arch}, this is ${host.platform}-${host.arch}`;
  }
  if (!Number.isInteger(m.napiVersion) || m.napiVersion > host.napiVersion) {
    return `needs N-API ${m.napiVersion}, this node (${process.version}) provides N-API ${host.napiVersion}`;
  }
  return undefined;
}

/**
 * Picks the prebuilt addon under `root` for `host`, in order of preference; reports why each
 * candidate was refused so a failed load can say what happened.
 */
export function choosePrebuilt(root: string, host: LoaderHost): PrebuildChoice {
  const dir = join(root, 'prebuilds', `${host.platform}-${host.arch}`);
  const variants = host.gpuDriver ? ['cuda', 'cpu'] : ['cpu'];
  const reasons: string[] = [];
  for (const variant of variants) {
    const path = join(dir, variant, 'langevin.node');
    const manifestPath = join(dir, variant, 'manifest.json');
    if (!existsSync(path) || !existsSync(manifestPath)) continue;
    let manifest: PrebuildManifest;
    try {
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PrebuildManifest;
    } catch (err) {
      reasons.push(`prebuilt ${variant}: unreadable manifest (${(err as Error).message})`);
      continue;
    }
    const why = mismatch(manifest, host);
    if (why) {
      reasons.push(`prebuilt ${variant} refused: ${why}`);
      continue;
    }
    return { kind: 'prebuilt', path, manifest };
  }
  if (reasons.length === 0) reasons.push(`no prebuilt addon for ${host.platform}-${host.arch}`);
  return { kind: 'source', reasons };
}
