import type { ConnectionDriver } from '../driver/connection-driver.js';
import { systemTimerClock, type TimerClock } from './timer-clock.js';

/** The part of the driver contract a ping uses: the ping, and destroy for a ping that never answers. */
export type PingDriver<C extends object> = Pick<ConnectionDriver<C>, 'ping' | 'destroy'>;

/** `roundTripMs`: how long the answer took, event-loop stalls left out. */
export type PingOutcome =
  | { readonly ok: true; readonly roundTripMs: number }
  | { readonly ok: false; readonly timedOut: boolean; readonly error?: unknown };

/**
 * The longest stretch one timer covers. A stall of the event loop shows as a timer that fires late;
 * the shorter the slice, the less of a stall can hide before that timer was due.
 */
export const PING_SLICE_MS = 50;

/**
 * A driver's ping (mysql2's `ping()`) has no timeout of its own, and a pool's validation (knex's `validate`, the mysql2
 * adapter's acquire) waits for it forever: a ping on a half-open connection (a NAT dropped it,
 * nothing answers) would block the acquire. On timeout the socket is destroyed at once so the
 * connection cannot linger.
 *
 * The timeout counts only time in which the event loop was free to read the answer. A timer that
 * fires late means the loop was busy (a long synchronous task, a GC pause, a frozen process): the
 * answer may be waiting unread in the socket, and Node runs expired timers before it reads sockets,
 * so a plain timer would condemn a healthy connection. Each slice therefore counts for no more than
 * it was armed for, and the verdict waits for the next slice, after the loop has read its sockets.
 */
export function pingWithTimeout<C extends object>(
  driver: PingDriver<C>,
  connection: C,
  timeoutMs: number,
  clock: TimerClock = systemTimerClock,
): Promise<PingOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let counted = 0;
    let sliceStart = clock.now();
    let armedMs = 0;
    let timer: unknown;
    const elapsedInSlice = () => Math.min(clock.now() - sliceStart, armedMs);
    const arm = () => {
      armedMs = Math.min(PING_SLICE_MS, timeoutMs - counted);
      sliceStart = clock.now();
      timer = clock.setTimeout(onSlice, armedMs);
    };
    const onSlice = () => {
      if (settled) return;
      counted += elapsedInSlice();
      // Less than a millisecond left is a timer's rounding, not time the answer could still use.
      if (timeoutMs - counted >= 1) return arm();
      settled = true;
      driver.destroy(connection);
      resolve({ ok: false, timedOut: true });
    };
    arm();
    try {
      driver.ping(connection, (error) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        resolve(
          error
            ? { ok: false, timedOut: false, error }
            : { ok: true, roundTripMs: counted + elapsedInSlice() },
        );
      });
    } catch (error) {
      settled = true;
      clock.clearTimeout(timer);
      resolve({ ok: false, timedOut: false, error });
    }
  });
}
