// SPDX-License-Identifier: MIT
// SIGINT/SIGTERM as an AbortSignal, so ^C or a service manager stops the native run cleanly (no
// partial output); the signal received decides the exit code (130 or 143, as shells report them).
let received: NodeJS.Signals | undefined;

/** The termination signal this process received, if any. */
export function receivedSignal(): NodeJS.Signals | undefined {
  return received;
}

/** An AbortSignal fired by SIGINT/SIGTERM. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => () => {
    received = name;
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
