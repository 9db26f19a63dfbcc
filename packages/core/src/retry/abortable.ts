/**
 * Waits `ms`, or rejects with the reason of the first of `signals` to abort. The timer and the
 * listeners are removed either way, so nothing is left behind to keep the process alive.
 */
export function sleep(ms: number, signals: ReadonlyArray<AbortSignal | undefined>): Promise<void> {
  const active = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const aborted = active.find((signal) => signal.aborted);
  if (aborted !== undefined) return Promise.reject(aborted.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (event: Event) => {
      clearTimeout(timer);
      unlisten();
      reject((event.target as AbortSignal).reason);
    };
    const unlisten = () => {
      for (const signal of active) signal.removeEventListener('abort', onAbort);
    };
    const timer = setTimeout(() => {
      unlisten();
      resolve();
    }, ms);
    for (const signal of active) signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as the signal aborts. The promise
 * keeps running (a statement cannot be taken back); its late outcome is observed and dropped so
 * it never becomes an unhandled rejection.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Calls `fn`, turning a synchronous throw into a rejection. */
export function invoke<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** An AbortController that aborts when any of `parents` does; `unlink()` drops the listeners. */
export function linkedController(parents: ReadonlyArray<AbortSignal | undefined>): {
  controller: AbortController;
  unlink: () => void;
} {
  const controller = new AbortController();
  const active = parents.filter((signal): signal is AbortSignal => signal !== undefined);
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  const unlink = () => {
    for (const parent of active) parent.removeEventListener('abort', onAbort);
  };
  for (const parent of active) {
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    parent.addEventListener('abort', onAbort, { once: true });
  }
  if (controller.signal.aborted) unlink();
  return { controller, unlink };
}
