// SPDX-License-Identifier: MIT
// Normals and uniforms from the native counter-based generator, addressed like the samplers'
// noise so that chain c's draws never depend on how many chains are drawn with it.
import { native, nativeError } from './native.js';
import type { Device } from './device.js';

export interface DrawSite {
  seed: bigint;
  stream: number;
  step?: number;
  chainOffset?: number;
  device?: Device;
}

async function draw(site: DrawSite, chains: number, n: number, uniform: boolean): Promise<Float32Array> {
  try {
    return await native().draw({
      seed: site.seed,
      stream: site.stream,
      step: site.step ?? 0,
      chainOffset: site.chainOffset ?? 0,
      chains,
      n,
      uniform,
      device: site.device ?? 'cpu',
    });
  } catch (err) {
    throw nativeError(err);
  }
}

/** [chains*n] standard normals. */
export function drawNormals(site: DrawSite, chains: number, n: number): Promise<Float32Array> {
  return draw(site, chains, n, false);
}

/** [chains*n] uniforms in (0, 1). */
export function drawUniforms(site: DrawSite, chains: number, n: number): Promise<Float32Array> {
  return draw(site, chains, n, true);
}
