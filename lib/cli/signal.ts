// SPDX-License-Identifier: MIT
/** An AbortSignal fired by SIGINT/SIGTERM, so ^C stops the native run cleanly (no partial output). */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: string) => () => controller.abort(new Error(`received ${name}`));
  const int = onSignal('SIGINT');
  const term = onSignal('SIGTERM');
  process.once('SIGINT', int);
  process.once('SIGTERM', term);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
    },
  };
}
