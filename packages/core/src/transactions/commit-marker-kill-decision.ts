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
 * Whether to KILL the session holding the marker's lock now. Its id is safe to KILL at this point:
 * the lock proves the writing transaction is alive on this server, so the server has not restarted
 * since (ids restart after a restart and would name someone else's session).
 */
export function shouldKillMarkerSession(observation: MarkerSessionObservation): boolean {
  const { command, lockedForMs, sinceKillMs } = observation;
  if (sinceKillMs < KILL_REPEAT_MS) return false;
  if (command === undefined || command === 'Killed') return false;
  if (command === 'Sleep') return lockedForMs >= IDLE_SESSION_GRACE_MS;
  return lockedForMs >= BUSY_SESSION_GRACE_MS;
}
