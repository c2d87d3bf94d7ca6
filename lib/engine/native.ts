// SPDX-License-Identifier: MIT
// Loads the compiled addon once: a local source build (build/) if there is one, else a matching
// prebuilt (lib/engine/nativeLoader.ts), else bindings' other paths. A failure is reported with every
// candidate tried and what to do.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LangevinError } from '../errors.js';
import type { NativeModule } from './nativeTypes.js';
import { choosePrebuilt, currentHost } from './nativeLoader.js';

const require = createRequire(import.meta.url);
/** The package root: this file is dist/lib/engine/native.js. */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let cached: NativeModule | undefined;
let loadedFrom: string | undefined;

/** Where the loaded addon came from ('prebuilt <path>' or 'source build'); undefined before loading. */
export function nativeOrigin(): string | undefined {
  return loadedFrom;
}

export function native(): NativeModule {
  if (cached) return cached;
  const tried: string[] = [];
  // A local build (npm rebuild, scripts/build-native.mjs, the sanitizer build) is what its maker
  // wants loaded, so it comes first, as with node-gyp-build; an install that used a prebuilt has none.
  const localBuild = ['Release', 'Debug'].some((c) => existsSync(join(packageRoot, 'build', c, 'langevin.node')));
  // LANGEVIN_PREBUILT=0 skips the prebuilts.
  if (!localBuild && process.env.LANGEVIN_PREBUILT !== '0') {
    const choice = choosePrebuilt(packageRoot, currentHost());
    if (choice.kind === 'prebuilt') {
      try {
        cached = require(choice.path) as NativeModule;
        loadedFrom = `prebuilt ${choice.path}`;
        return cached;
      } catch (err) {
        tried.push(`prebuilt ${choice.path}: ${(err as Error).message.split('\n')[0]}`);
      }
    } else {
      tried.push(...choice.reasons);
    }
  }
  try {
    const bindings = require('bindings') as (opts: { bindings: string; module_root?: string }) => unknown;
    cached = bindings({ bindings: 'langevin', module_root: packageRoot }) as NativeModule;
    loadedFrom = 'source build';
    return cached;
  } catch (err) {
    tried.push(`source build: ${(err as Error).message.split('\n')[0]}`);
    throw new LangevinError(
      'E_DEVICE',
      'the langevin native addon could not be loaded. Possible solutions:\n' +
        '  - build it: `LANGEVIN_PREBUILT=0 npm rebuild langevin` (needs a C++17 compiler and cmake or python3 for node-gyp)\n' +
        '  - with npm 11, approve its install script: `npm install-scripts approve langevin`\n' +
        tried.map((t) => `  - tried ${t}`).join('\n'),
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
