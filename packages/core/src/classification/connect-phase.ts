/**
 * Adapters know something classify cannot read off an error: that it happened while connecting
 * (inside the pool's create, the TLS/auth handshake, the first session query), before any of the
 * application's statements was sent. A socket reset there (a proxy or load balancer in front of a
 * restarting server accepts, then drops the connection) is a connect failure, safe to retry for
 * writes too, not a statement lost mid-flight. A registered symbol, so two copies of the package agree.
 */
export const CONNECT_PHASE: unique symbol = Symbol.for('goneaway.connectPhase') as never;

/**
 * Where a connect that failed was going ("10.0.0.5:3306", a socket path): a driver's own message does
 * not always say (mysql2's "connect ETIMEDOUT" does not), and DatabaseUnavailableError names it.
 */
export const CONNECT_TARGET: unique symbol = Symbol.for('goneaway.connectTarget') as never;

/**
 * Marks `error` as raised while connecting, to `target` when the adapter knows it (a host and port,
 * never credentials); returns it. Primitives and frozen objects are left as they are.
 */
export function markConnectPhase<T>(error: T, target?: string): T {
  if ((typeof error === 'object' && error !== null) || typeof error === 'function') {
    try {
      Object.defineProperty(error, CONNECT_PHASE, { value: true, configurable: true, enumerable: false });
      if (target !== undefined && target !== '' && !Object.hasOwn(error, CONNECT_TARGET)) {
        Object.defineProperty(error, CONNECT_TARGET, {
          value: target,
          configurable: true,
          enumerable: false,
        });
      }
    } catch {
      // A frozen or exotic error keeps its own classification.
    }
  }
  return error;
}
