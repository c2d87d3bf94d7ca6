// SPDX-License-Identifier: MIT
// A learned prior as an ONNX model, run by the optional peer dependency onnxruntime-node. The model
// takes x [N, ...inputShape] and σ [N] (float32) and returns, with the layout of x, either the
// score ∇log p_σ(x) or a denoiser D(x, σ) ≈ E[X | X + σZ = x], turned into a score by Tweedie's
// formula (D − x)/σ². Only the score is computed here; the Langevin update stays native.
import { LangevinError } from '../../errors.js';
import type { OnnxModelSpec, ScoreModel } from '../../types.js';

/** The few parts of onnxruntime-node's API used here (so its types are not needed to compile). */
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[]; // onnxruntime ≥ 1.21
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(path: string, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

const PACKAGE = 'onnxruntime-node';

let ortPromise: Promise<Ort> | undefined;

/** onnxruntime-node, or E_DEPENDENCY saying how to install it offline-friendly. */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= import(PACKAGE).then(
    (m: { default?: Ort } & Partial<Ort>) => (m.InferenceSession ? (m as Ort) : (m.default as Ort)),
    (err: unknown) => {
      ortPromise = undefined;
      throw new LangevinError(
        'E_DEPENDENCY',
        `ONNX priors need the optional peer dependency ${PACKAGE}: npm install ${PACKAGE} ` +
          `(offline or without CUDA: ONNXRUNTIME_NODE_INSTALL=skip npm install ${PACKAGE}) — ${(err as Error).message.split('\n')[0]}`,
        'prior.model',
        { cause: err },
      );
    },
  );
  return ortPromise;
}

/** Whether onnxruntime-node can be loaded here. */
export async function onnxAvailable(): Promise<boolean> {
  try {
    await loadOrt();
    return true;
  } catch {
    return false;
  }
}

/**
 * The model's declared type and shape must fit float32 [N, ...inputShape] (σ: [N]); symbolic or
 * unknown dims fit anything, and -1 marks the batch axis. Checked before any sampling starts.
 */
function checkMetadata(meta: readonly OrtValueMetadata[] | undefined, name: string, want: number[], role: string): void {
  const m = meta?.find((v) => v.name === name);
  if (!m) return; // older onnxruntime: no metadata, the first run checks instead
  const field = `prior.names.${role}`;
  if (!m.isTensor || (m.type !== undefined && m.type !== 'float32'))
    throw new LangevinError('E_FILE', `${field}: '${name}' must be a float32 tensor, the model declares ${m.isTensor ? m.type : 'a non-tensor'}`, field);
  const shape = m.shape;
  if (!shape) return;
  const fits = shape.length === want.length && shape.every((s, i) => typeof s !== 'number' || s < 0 || want[i] < 0 || s === want[i]);
  if (!fits) throw new LangevinError('E_SHAPE', `${field}: '${name}' has shape [${shape.join(', ')}], the prior needs [N, ${want.slice(1).join(', ')}]`.replace(', ]', ']'), field);
}

export class OnnxScoreModel implements ScoreModel {
  readonly dim: number;
  readonly description: string;

  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
    private readonly spec: OnnxModelSpec,
    private readonly names: { x: string; sigma: string; output: string },
  ) {
    this.dim = spec.inputShape.reduce((a, b) => a * b, 1);
    this.description = `ONNX model ${spec.path} (${spec.output} output; inputs ${names.x}, ${names.sigma}; output ${names.output})`;
  }

  static async load(spec: OnnxModelSpec): Promise<OnnxScoreModel> {
    const ort = await loadOrt();
    let session: OrtSession;
    try {
      // No spin-waiting: between model calls the native step needs the cores ORT's pool would spin on.
      session = await ort.InferenceSession.create(spec.path, { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } });
    } catch (err) {
      throw new LangevinError('E_FILE', `prior.model: ${spec.path} is not a loadable ONNX model (${(err as Error).message.split('\n')[0]})`, 'prior.model', { cause: err });
    }
    const names = {
      x: spec.xName ?? session.inputNames[0],
      sigma: spec.sigmaName ?? session.inputNames[1],
      output: spec.outputName ?? session.outputNames[0],
    };
    for (const [role, name, list] of [['x', names.x, session.inputNames], ['sigma', names.sigma, session.inputNames], ['output', names.output, session.outputNames]] as const) {
      if (name === undefined || !list.includes(name))
        throw new LangevinError('E_FILE', `prior.names.${role}: the model has no ${role === 'output' ? 'output' : 'input'} ${name === undefined ? `for ${role}` : `'${name}'`} (it has ${list.join(', ') || 'none'}); it needs inputs x [N, ...shape] and sigma [N]`, `prior.names.${role}`);
    }
    if (names.x === names.sigma) throw new LangevinError('E_FILE', `prior.names: x and sigma are the same input '${names.x}'`, 'prior.names');
    checkMetadata(session.inputMetadata, names.x, [-1, ...spec.inputShape], 'x');
    checkMetadata(session.inputMetadata, names.sigma, [-1], 'sigma');
    checkMetadata(session.outputMetadata, names.output, [-1, ...spec.inputShape], 'output');
    return new OnnxScoreModel(ort, session, spec, names);
  }

  async score(x: Float32Array, chains: number, sigma: number, out: Float32Array): Promise<void> {
    const d = this.dim;
    const denoiser = this.spec.output === 'denoiser';
    // A denoiser is only defined for σ > 0; below minSigma it is evaluated at minSigma.
    const s = denoiser ? Math.max(sigma, this.spec.minSigma ?? 0.01) : sigma;
    const batch = Math.min(this.spec.batch ?? chains, chains);
    for (let c0 = 0; c0 < chains; c0 += batch) {
      const n = Math.min(batch, chains - c0);
      const xs = x.slice(c0 * d, (c0 + n) * d); // a copy: onnxruntime reads whole buffers
      const feeds = {
        [this.names.x]: new this.ort.Tensor('float32', xs, [n, ...this.spec.inputShape]),
        [this.names.sigma]: new this.ort.Tensor('float32', new Float32Array(n).fill(s), [n]),
      };
      let result: Record<string, OrtTensor>;
      try {
        result = await this.session.run(feeds);
      } catch (err) {
        throw new LangevinError('E_DEVICE', `the ONNX prior failed on ${n} chains at σ = ${s} (${(err as Error).message.split('\n')[0]})`, 'prior.model', { cause: err });
      }
      const y = result[this.names.output]?.data;
      if (!(y instanceof Float32Array) || y.length !== n * d)
        throw new LangevinError('E_SHAPE', `the ONNX prior's output '${this.names.output}' must be float32 with ${n}×${d} entries, got ${y instanceof Float32Array ? y.length : typeof y}`, 'prior.model');
      const o = out.subarray(c0 * d, (c0 + n) * d);
      if (denoiser) {
        const inv = 1 / (s * s);
        for (let i = 0; i < n * d; i++) o[i] = (y[i] - xs[i]) * inv;
      } else {
        o.set(y);
      }
    }
  }

  async close(): Promise<void> {
    await this.session.release?.();
  }
}
