export { describeWithOwnServer, sleep, waitFor } from '@goneaway/test-harness';

import { waitFor } from '@goneaway/test-harness';

/** The error's code as an application would read it (`code`, else `errno`). */
export function codeOf(error: unknown): string | number | undefined {
  const e = error as { code?: string | number; errno?: number } | undefined;
  return e?.code ?? e?.errno;
}

/** Resolves to the error a promise rejects with, or to `undefined` when it fulfils. */
export function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
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
      // The newest match that is not already dying: a statement killed by the previous test can
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
