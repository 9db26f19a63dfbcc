/** What resolution knows about the session that wrote the marker while the marker is still locked. */
export interface MarkerSessionObservation {
  /**
   * Its PROCESSLIST `COMMAND`: `Sleep` (idle inside its transaction), `Query` (running a statement,
   * the COMMIT itself), `Killed`…; `undefined` when it is no longer listed; `null` when the list
   * could not be read.
   */
  readonly command: string | null | undefined;
  /** How long the marker has been seen locked by it (ms). */
  readonly lockedForMs: number;
  /** Since this resolution last KILLed it (ms); Infinity if it has not. */
  readonly sinceKillMs: number;
}

/**
 * A session idle in its transaction is waiting for a COMMIT that has not reached it and may never
 * (it is stuck in the network, or the client is gone): KILL it after a short grace, which leaves
 * time to a COMMIT that is in the server's socket buffer already. A COMMIT that is running is left
 * to finish (it would finish anyway once started) unless it is blocked for long.
 */
export const IDLE_SESSION_GRACE_MS = 100;
export const BUSY_SESSION_GRACE_MS = 2_000;
export const KILL_REPEAT_MS = 1_000;

/**
 * Whether the session holding the marker's lock should be KILLed now, by what it is doing. Whether
 * its id may be KILLed at all is `provesSameServer`'s question.
 */
export function shouldKillMarkerSession(observation: MarkerSessionObservation): boolean {
  const { command, lockedForMs, sinceKillMs } = observation;
  if (sinceKillMs < KILL_REPEAT_MS) return false;
  if (command === undefined || command === 'Killed') return false;
  if (command === 'Sleep') return lockedForMs >= IDLE_SESSION_GRACE_MS;
  return lockedForMs >= BUSY_SESSION_GRACE_MS;
}

/**
 * Whether the server has certainly been up since the marker was written, so that the marker's
 * session id still names that session. After a restart ids start again from 1: the id may name
 * someone else's session, and a lock on the marker may be held by a transaction that crash recovery
 * is rolling back, with no session at all. `uptimeSeconds` is the server's `Uptime` (whole seconds,
 * rounded down); `sinceWriteMs` how long ago the client saw the marker insert succeed, plus that
 * insert's round trip (the server ran it at most that long before).
 */
export function provesSameServer(uptimeSeconds: number, sinceWriteMs: number): boolean {
  return Number.isFinite(uptimeSeconds) && uptimeSeconds * 1000 >= sinceWriteMs;
}
