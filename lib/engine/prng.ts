// SPDX-License-Identifier: MIT
// A tiny seeded generator for set-up work (test problems, phantoms, masks, EM initialisation).
// Sampling noise never comes from here: it is the native counter-based Philox stream.

/** mulberry32: uniforms on [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One standard normal from two uniforms of r (Box–Muller, cosine branch). */
export function normalFrom(r: () => number): number {
  const u = r() || 1e-12;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}
