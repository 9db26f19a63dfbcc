export { codeOf, describeWithOwnServer, killWhenRunning, sleep, waitFor } from '@goneaway/test-harness';

/** Resolves to the error a promise rejects with, or to `undefined` when it fulfils. */
export function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}
