// SPDX-License-Identifier: MIT
// Loads the compiled addon once. A failure is reported with every path tried and what to do.
import { createRequire } from 'node:module';
import { LangevinError } from './errors.js';
import type { NativeModule } from './native-types.js';

const require = createRequire(import.meta.url);
let cached: NativeModule | undefined;

export function native(): NativeModule {
  if (cached) return cached;
  try {
    const bindings = require('bindings') as (opts: { bindings: string; module_root?: string }) => unknown;
    cached = bindings({ bindings: 'langevin' }) as NativeModule;
    return cached;
  } catch (err) {
    throw new LangevinError(
      'E_DEVICE',
      'the langevin native addon could not be loaded. Possible solutions:\n' +
        '  - build it: `npm rebuild langevin` (needs a C++17 compiler and cmake or python3 for node-gyp)\n' +
        '  - with npm 11, approve its install script: `npm install-scripts approve langevin`\n' +
        `  - cause: ${(err as Error).message.split('\n')[0]}`,
      undefined,
      { cause: err },
    );
  }
}

/** Turn a native rejection ("E_CODE: message") into a LangevinError with the caller's stack. */
export function nativeError(err: unknown): LangevinError {
  if (err instanceof LangevinError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const m = /^(E_[A-Z]+): (.*)$/s.exec(message);
  if (m) return new LangevinError(m[1] as LangevinError['code'], m[2], undefined, { cause: err });
  return new LangevinError('E_DEVICE', `native backend failed: ${message}`, undefined, { cause: err });
}
