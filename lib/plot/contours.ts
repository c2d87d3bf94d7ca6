// SPDX-License-Identifier: MIT
// Marching squares: line segments of {f = level} on a regular grid (values row-major [ny][nx]).
export type Segment = [number, number, number, number]; // x0, y0, x1, y1 in grid coordinates

export function contourSegments(values: Float64Array, nx: number, ny: number, level: number): Segment[] {
  const segs: Segment[] = [];
  const v = (i: number, j: number) => values[j * nx + i];
  // Point on the edge between two corners where the field crosses the level.
  const lerp = (x0: number, y0: number, f0: number, x1: number, y1: number, f1: number): [number, number] => {
    const t = (level - f0) / (f1 - f0);
    return [x0 + t * (x1 - x0), y0 + t * (y1 - y0)];
  };
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      const a = v(i, j), b = v(i + 1, j), c = v(i + 1, j + 1), d = v(i, j + 1);
      const code = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (c > level ? 4 : 0) | (d > level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const bottom = () => lerp(i, j, a, i + 1, j, b);
      const right = () => lerp(i + 1, j, b, i + 1, j + 1, c);
      const top = () => lerp(i, j + 1, d, i + 1, j + 1, c);
      const left = () => lerp(i, j, a, i, j + 1, d);
      const push = (p: [number, number], q: [number, number]) => segs.push([p[0], p[1], q[0], q[1]]);
      switch (code) {
        case 1: case 14: push(left(), bottom()); break;
        case 2: case 13: push(bottom(), right()); break;
        case 3: case 12: push(left(), right()); break;
        case 4: case 11: push(right(), top()); break;
        case 6: case 9: push(bottom(), top()); break;
        case 7: case 8: push(left(), top()); break;
        case 5: push(left(), top()); push(bottom(), right()); break; // saddles: either pairing is a valid contour
        case 10: push(left(), bottom()); push(right(), top()); break;
      }
    }
  }
  return segs;
}
