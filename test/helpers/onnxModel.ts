// SPDX-License-Identifier: MIT
// Writes small ONNX models (protobuf, encoded by hand: no onnx package needed offline) whose
// outputs are known in closed form: the score, or the posterior-mean denoiser, of a Gaussian prior
// N(μ, diag v) noised by σ:  s(x, σ) = −(x − μ)/(v + σ²),  D(x, σ) = μ + v/(v + σ²)·(x − μ).

type Field = Uint8Array;

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const vint = (field: number, n: number | bigint): Field => Uint8Array.from([...key(field, 0), ...varint(n)]);
function bytes(field: number, data: Uint8Array): Field {
  return Uint8Array.from([...key(field, 2), ...varint(data.length), ...data]);
}
const str = (field: number, s: string) => bytes(field, new TextEncoder().encode(s));
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const FLOAT = 1, INT64 = 7;

function tensor(name: string, dims: number[], type: number, values: number[]): Field {
  const raw = type === FLOAT ? new Uint8Array(Float32Array.from(values).buffer) : new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
  return concat([...dims.map((d) => vint(1, d)), vint(2, type), str(8, name), bytes(9, raw)]);
}

/** ValueInfo of a float tensor; a string dim is symbolic (the batch). */
function valueInfo(name: string, dims: (number | string)[]): Field {
  const shape = concat(dims.map((d) => bytes(1, typeof d === 'number' ? vint(1, d) : str(2, d))));
  const tensorType = concat([vint(1, FLOAT), bytes(2, shape)]);
  return concat([str(1, name), bytes(2, bytes(1, tensorType))]);
}

function node(op: string, inputs: string[], outputs: string[]): Field {
  return concat([...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, `${op}_${outputs[0]}`), str(4, op)]);
}

export interface GaussianModelOptions {
  shape: number[]; // per-chain input shape, e.g. [4] or [1, 4, 4]
  mean: number[]; // μ, prod(shape) entries
  variance: number[]; // v
  output: 'score' | 'denoiser';
  names?: { x?: string; sigma?: string; output?: string };
}

/** An ONNX model (opset 17) computing the score or denoiser of N(μ, diag v) at (x [N, ...shape], σ [N]). */
export function gaussianOnnxModel(o: GaussianModelOptions): Uint8Array {
  const x = o.names?.x ?? 'x', sigma = o.names?.sigma ?? 'sigma', out = o.names?.output ?? o.output;
  const axes = o.shape.map((_, i) => i + 1);
  const nodes = [
    node('Mul', [sigma, sigma], ['s2']),
    node('Unsqueeze', ['s2', 'axes'], ['s2b']), // [N, 1, …, 1]
    node('Add', ['s2b', 'v'], ['denom']),
    node('Sub', [x, 'mu'], ['diff']),
  ];
  if (o.output === 'score') {
    nodes.push(node('Neg', ['diff'], ['ndiff']), node('Div', ['ndiff', 'denom'], [out]));
  } else {
    nodes.push(node('Div', ['v', 'denom'], ['gain']), node('Mul', ['gain', 'diff'], ['shrunk']), node('Add', ['mu', 'shrunk'], [out]));
  }
  const graph = concat([
    ...nodes.map((n) => bytes(1, n)),
    str(2, 'gaussian_prior'),
    bytes(5, tensor('mu', o.shape, FLOAT, o.mean)),
    bytes(5, tensor('v', o.shape, FLOAT, o.variance)),
    bytes(5, tensor('axes', [axes.length], INT64, axes)),
    bytes(11, valueInfo(x, ['N', ...o.shape])),
    bytes(11, valueInfo(sigma, ['N'])),
    bytes(12, valueInfo(out, ['N', ...o.shape])),
  ]);
  return concat([vint(1, 8), str(2, 'langevin-tests'), bytes(7, graph), bytes(8, concat([str(1, ''), vint(2, 17)]))]);
}
