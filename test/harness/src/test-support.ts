import { describe } from 'vitest';
import { galeraUnavailableReason } from './galera-availability.js';
import { canControlServers, noControlReason } from './server-control.js';

/** Small helpers every integration suite needs, kept here so each suite does not grow its own. */
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `predicate` holds, polling every 20 ms; fails with `what` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A suite that must start, kill or reconfigure its own server: skipped, with the reason, under MYSQL_URL. */
export function describeWithOwnServer(name: string, body: () => void): void {
  if (canControlServers) describe(name, body);
  else describe.skip(`${name} (skipped: ${noControlReason})`, body);
}

/**
 * A suite that starts a Galera cluster: skipped, with the reason in its name, when galera-4/rsync are
 * missing (a machine without Galera is not a failure).
 */
export function describeWithGalera(name: string, body: () => void): void {
  const reason = galeraUnavailableReason();
  if (reason === undefined) describe(name, body);
  else describe.skip(`${name} (skipped: ${reason})`, body);
}

/** The error's code as an application would read it (`code`, else `errno`). */
export function codeOf(error: unknown): string | number | undefined {
  const e = error as { code?: string | number; errno?: number } | undefined;
  return e?.code ?? e?.errno;
}

/** KILLs (from the admin connection) the application connection running a statement that matches `pattern`. */
export async function killWhenRunning(
  server: { query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> },
  pattern: string,
  user = 'goneaway',
): Promise<number> {
  let id: number | undefined;
  await waitFor(async () => {
    const rows = await server.query<{ id: number }>(
      // The newest match that is not already dying: a statement killed by an earlier test can
      // linger in the processlist for a moment with the same text.
      "select id from information_schema.processlist where user = ? and info like ? and command <> 'Killed' order by id desc limit 1",
      [user, pattern],
    );
    id = rows[0]?.id;
    return id !== undefined;
  }, `a statement like ${pattern}`);
  await server.query(`KILL ${Number(id)}`);
  return Number(id);
}
