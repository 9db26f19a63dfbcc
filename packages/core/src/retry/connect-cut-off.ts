import { markConnectPhase } from '../classification/connect-phase.js';

/**
 * A connect is never abandoned sooner than this after it started, even when the caller's outage
 * deadline has already passed (a budget of 0, or a caller that waited on a busy pool first): a
 * healthy server answers a connect well within it on a LAN, so a tiny budget still lets a call
 * connect. It is the most a call's wait can overrun its outage budget (plus event-loop delay).
 */
export const MIN_CONNECT_WAIT_MS = 100;

/** When a caller stops waiting for a connect that started at `connectStartedAt`: its deadline, or the minimum wait. */
export function connectCutOffAt(deadline: number, connectStartedAt: number): number {
  return Math.max(deadline, connectStartedAt + MIN_CONNECT_WAIT_MS);
}

/**
 * What a caller gets when the outage budget ends while the connect it waits for has not answered
 * (a host that accepts TCP and never sends a greeting, a SYN nobody answers) and no earlier connect
 * failed to tell why: shaped like Node's own connect timeout (code ETIMEDOUT, syscall connect), so
 * classify() calls it a connect failure, with the address when the adapter knows it. No credentials:
 * `target` is a host and port.
 */
export function connectCutOffError(target?: string): Error {
  const where = target === undefined || target === '' ? '' : ` ${target}`;
  return markConnectPhase(
    Object.assign(
      new Error(
        `connect ETIMEDOUT${where} (no answer before the outage budget ran out; the caller stopped waiting)`,
      ),
      { code: 'ETIMEDOUT', syscall: 'connect' },
    ),
  );
}
