import { describe, expect, it } from 'vitest';
import {
  BUSY_SESSION_GRACE_MS,
  IDLE_SESSION_GRACE_MS,
  KILL_REPEAT_MS,
  provesSameServer,
  shouldKillMarkerSession,
} from './commit-marker-kill-decision.js';

const never = Number.POSITIVE_INFINITY;

describe('shouldKillMarkerSession', () => {
  it('KILLs a session idle in its transaction once the short grace has passed', () => {
    expect(shouldKillMarkerSession({ command: 'Sleep', lockedForMs: 0, sinceKillMs: never })).toBe(false);
    expect(
      shouldKillMarkerSession({ command: 'Sleep', lockedForMs: IDLE_SESSION_GRACE_MS, sinceKillMs: never }),
    ).toBe(true);
  });

  it('lets a running COMMIT finish unless it is blocked for long', () => {
    expect(shouldKillMarkerSession({ command: 'Query', lockedForMs: 500, sinceKillMs: never })).toBe(false);
    expect(
      shouldKillMarkerSession({ command: 'Query', lockedForMs: BUSY_SESSION_GRACE_MS, sinceKillMs: never }),
    ).toBe(true);
    // The processlist could not be read: treated like a busy session.
    expect(shouldKillMarkerSession({ command: null, lockedForMs: 500, sinceKillMs: never })).toBe(false);
    expect(
      shouldKillMarkerSession({ command: null, lockedForMs: BUSY_SESSION_GRACE_MS, sinceKillMs: never }),
    ).toBe(true);
  });

  it('never KILLs a session that is gone or being killed, and repeats a KILL only after a pause', () => {
    expect(shouldKillMarkerSession({ command: undefined, lockedForMs: 10_000, sinceKillMs: never })).toBe(
      false,
    );
    expect(shouldKillMarkerSession({ command: 'Killed', lockedForMs: 10_000, sinceKillMs: never })).toBe(
      false,
    );
    expect(shouldKillMarkerSession({ command: 'Sleep', lockedForMs: 10_000, sinceKillMs: 10 })).toBe(false);
    expect(
      shouldKillMarkerSession({ command: 'Sleep', lockedForMs: 10_000, sinceKillMs: KILL_REPEAT_MS }),
    ).toBe(true);
  });
});

describe('provesSameServer', () => {
  it('holds only when the server has been up at least since the marker was written', () => {
    expect(provesSameServer(3600, 1500)).toBe(true);
    expect(provesSameServer(2, 2000)).toBe(true);
    // Restarted after the write (up 1 s, written 2.5 s ago), or unsure within the second Uptime rounds off.
    expect(provesSameServer(1, 2500)).toBe(false);
    expect(provesSameServer(0, 300)).toBe(false);
    expect(provesSameServer(Number.NaN, 0)).toBe(false);
  });
});
