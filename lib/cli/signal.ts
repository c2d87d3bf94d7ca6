// SPDX-License-Identifier: MIT
/** An AbortSignal fired by SIGINT/SIGTERM, so ^C stops the native run cleanly (no partial output). */
/** The signal that cancelled the run, for the exit code (128 + its number: SIGINT 130, SIGTERM 143). */
export let receivedSignal: 'SIGINT' | 'SIGTERM' | undefined;

export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => () => {
    receivedSignal ??= name;
    controller.abort(new Error(`received ${name}`));
  };
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
