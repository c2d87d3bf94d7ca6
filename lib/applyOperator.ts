// SPDX-License-Identifier: MIT
// A x in double precision, for diagnostics and set-up work on the host (the hot loop is native).
import type { Operator } from './types.js';
import { operatorRows } from './types.js';

export function applyOperator(op: Operator, x: ArrayLike<number>, out = new Float64Array(operatorRows(op))): Float64Array {
  switch (op.type) {
    case 'identity':
      for (let i = 0; i < op.dim; i++) out[i] = x[i];
      break;
    case 'mask':
      for (let j = 0; j < op.indices.length; j++) out[j] = x[op.indices[j]];
      break;
    case 'dense':
      for (let j = 0; j < op.rows; j++) {
        let s = 0;
        for (let i = 0; i < op.cols; i++) s += op.matrix[j * op.cols + i] * x[i];
        out[j] = s;
      }
      break;
  }
  return out;
}
