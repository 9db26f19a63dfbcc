/**
 * Adapters know something classify cannot read off an error: that it happened while connecting
 * (inside the pool's create, the TLS/auth handshake, the first session query), before any of the
 * application's statements was sent. A socket reset there (a proxy or load balancer in front of a
 * restarting server accepts, then drops the connection) is a connect failure, safe to retry for
 * writes too, not a statement lost mid-flight. A registered symbol, so two copies of the package agree.
 */
export const CONNECT_PHASE: unique symbol = Symbol.for('goneaway.connectPhase') as never;

/** Marks `error` as raised while connecting; returns it. Primitives and frozen objects are left as they are. */
export function markConnectPhase<T>(error: T): T {
  if ((typeof error === 'object' && error !== null) || typeof error === 'function') {
    try {
      Object.defineProperty(error, CONNECT_PHASE, { value: true, configurable: true, enumerable: false });
    } catch {
      // A frozen or exotic error keeps its own classification.
    }
  }
  return error;
}
