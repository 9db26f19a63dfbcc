import type { Policy } from '../policy/options.js';
import type { ConnectionLimits, ServerLimits } from './server-limits.js';

/**
 * Safety margin below wait_timeout: max(250 ms, min(30 s, 10 %)).
 * - The server starts counting idle time when it sends its last reply; the pool starts when it gets
 *   the connection back, and the next statement reaches the server some time after the limit was
 *   checked (event-loop lag on a busy process, network latency). The absolute floor covers that even
 *   for a 1-2 s wait_timeout: 2 s → 1750 ms.
 * - 10 % scales it for mid-range values (60 s → 54 s); the 30 s ceiling stops a long timeout from
 *   wasting hours of connection life: 8 h → 7 h 59 m 30 s.
 */
export const MARGIN_FLOOR_MS = 250;
export const MARGIN_CEILING_MS = 30_000;
export const MARGIN_FRACTION = 0.1;

/**
 * Per-connection negative jitter, drawn once per connection: up to max(10 ms, 2.5 %) of the limit
 * (HikariCP's maxLifetime variance), so a pool that opened its connections together does not retire
 * them together. 2 s → up to 44 ms; 8 h → up to about 12 min.
 */
export const JITTER_FRACTION = 0.025;
export const JITTER_FLOOR_MS = 10;

/**
 * `maxLifetimeMs: 'auto'` is also bounded by HikariCP's 30 min default: a lifetime exists for what
 * wait_timeout does not cover (proxies and load balancers with their own timeouts, DNS moving to a
 * new primary after a failover), and an 8 h lifetime would not help there.
 */
export const AUTO_LIFETIME_CEILING_MS = 30 * 60_000;

export interface LimitCap {
  readonly option: 'idleLimitMs' | 'maxLifetimeMs';
  /** What the user asked for. */
  readonly requestedMs: number;
  /** The ceiling it was lowered to (before per-connection jitter). */
  readonly cappedMs: number;
}

export interface DerivedConnectionLimits {
  readonly limits: ConnectionLimits;
  /** User values lowered below wait_timeout: one `limit-capped` event each. */
  readonly capped: readonly LimitCap[];
}

/** The longest a connection may stay idle (before jitter) so that the server never closes it first. */
export function idleCeilingMs(waitTimeoutSeconds: number): number {
  const waitMs = waitTimeoutSeconds * 1000;
  if (!Number.isFinite(waitMs) || waitMs <= 0) return Number.POSITIVE_INFINITY;
  const margin = Math.max(MARGIN_FLOOR_MS, Math.min(MARGIN_CEILING_MS, waitMs * MARGIN_FRACTION));
  // wait_timeout is at least 1 s, but a margin larger than the timeout must still leave a usable limit.
  return waitMs > 2 * margin ? waitMs - margin : waitMs / 2;
}

/**
 * Idle and lifetime limits for one new connection, strictly below the server's wait_timeout, with
 * negative jitter. User numbers win unless they reach into the margin, then they are capped (and
 * reported). `false` disables a limit (Infinity). `random` is injectable for tests.
 */
export function deriveConnectionLimits(
  limits: Pick<ServerLimits, 'waitTimeoutSeconds'>,
  policy: Pick<Policy, 'idleLimitMs' | 'maxLifetimeMs'>,
  random: () => number = Math.random,
): DerivedConnectionLimits {
  const ceiling = idleCeilingMs(limits.waitTimeoutSeconds);
  const capped: LimitCap[] = [];
  const idle = resolve('idleLimitMs', policy.idleLimitMs, ceiling, ceiling, capped);
  const lifetime = resolve(
    'maxLifetimeMs',
    policy.maxLifetimeMs,
    ceiling,
    Math.min(ceiling, AUTO_LIFETIME_CEILING_MS),
    capped,
  );
  return {
    limits: {
      idleLimitMs: withJitter(idle.ms, random),
      maxLifetimeMs: withJitter(lifetime.ms, random),
      idleSource: idle.source,
      lifetimeSource: lifetime.source,
    },
    capped,
  };
}

function resolve(
  option: LimitCap['option'],
  setting: 'auto' | number | false,
  ceiling: number,
  auto: number,
  capped: LimitCap[],
): { ms: number; source: ConnectionLimits['idleSource'] } {
  if (setting === false) return { ms: Number.POSITIVE_INFINITY, source: 'disabled' };
  if (setting === 'auto') return { ms: auto, source: 'derived' };
  if (setting > ceiling) {
    capped.push({ option, requestedMs: setting, cappedMs: ceiling });
    return { ms: ceiling, source: 'user-capped' };
  }
  return { ms: setting, source: 'user' };
}

function withJitter(ms: number, random: () => number): number {
  if (!Number.isFinite(ms)) return ms;
  // Never more than a quarter of the limit, so a tiny user value stays meaningful.
  const spread = Math.min(ms / 4, Math.max(JITTER_FLOOR_MS, ms * JITTER_FRACTION));
  return Math.max(1, Math.floor(ms - random() * spread));
}
