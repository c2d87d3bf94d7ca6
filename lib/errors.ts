// SPDX-License-Identifier: MIT
/** Machine-readable error codes. Every error the library raises on purpose carries one. */
export type ErrorCode =
  | 'E_SHAPE' // an array has the wrong length or nesting
  | 'E_VALUE' // a value is out of its allowed range or of the wrong type
  | 'E_NONFINITE' // NaN or ±Infinity where a finite number is required
  | 'E_OPTION' // an unknown or malformed sampler/CLI option
  | 'E_FILE' // a file could not be read or parsed
  | 'E_DEVICE' // the requested device is unavailable, or the native backend failed
  | 'E_ABORTED' // the run was cancelled through an AbortSignal
  | 'E_OOM' // the run would not fit in memory
  | 'E_UNSUPPORTED' // this sampler, command or option cannot work with this kind of prior
  | 'E_DEPENDENCY' // an optional dependency (onnxruntime-node) is needed and not installed
  | 'E_DIVERGED' // chains diverged and the caller asked for that to be an error
  | 'E_INACCURATE'; // strict mode: the run's own diagnostics say it failed (error.result holds it)

/** The one error type of the package: a code, the field it concerns, and expected vs received. */
export class LangevinError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  /** E_INACCURATE: the run's result (samples and summary), for inspection. */
  readonly result?: unknown;

  constructor(code: ErrorCode, message: string, field?: string, options?: { cause?: unknown; result?: unknown }) {
    super(message, options);
    this.name = 'LangevinError';
    this.code = code;
    this.field = field;
    if (options?.result !== undefined) this.result = options.result;
  }
}

/** Describe a received value briefly for messages: `array of length 3`, `number -1`, `string "x"`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  switch (typeof value) {
    case 'number':
      return `number ${value}`;
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
    case 'undefined':
      return 'nothing';
    case 'object':
      return 'object';
    default:
      return typeof value;
  }
}

/** `field: expected X, received Y` — the single message shape for invalid input (after sharp's invalidParameterError). */
export function invalid(code: ErrorCode, field: string, expected: string, received: unknown): LangevinError {
  return new LangevinError(code, `${field}: expected ${expected}, received ${describe(received)}`, field);
}

/** The error of a run cancelled through its AbortSignal, with the signal's reason. */
export function abortError(signal: AbortSignal): LangevinError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new LangevinError('E_ABORTED', `the run was cancelled (${reason})`);
}
