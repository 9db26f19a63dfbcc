export { describeWithOwnServer, sleep, waitFor } from '@goneaway/test-harness';

import { type GoneAwayEvent, type GoneAwayOptions, goneAway, subscribeTo } from '@goneaway/knex';
import { waitFor } from '@goneaway/test-harness';
import knex, { type Knex } from 'knex';

export type Side = 'bare' | 'goneaway';

/** Captures knex's log lines (what an application would see printed). */
export function captureLog(): {
  log: Required<Pick<Knex.Logger, 'warn' | 'error' | 'debug' | 'deprecate'>>;
  lines: string[];
} {
  const lines: string[] = [];
  const push = (level: string) => (message: unknown) => {
    lines.push(`${level}: ${String(message)}`);
  };
  return {
    lines,
    log: { warn: push('warn'), error: push('error'), debug: () => {}, deprecate: push('deprecate') },
  };
}

export interface Opened {
  readonly db: Knex;
  readonly lines: string[];
  readonly events: GoneAwayEvent[];
}

/** One knex instance of either side, with its log captured and (for goneaway) its events recorded. */
export function open(side: Side, config: Knex.Config, options?: GoneAwayOptions): Opened {
  const { log, lines } = captureLog();
  const full: Knex.Config = { client: 'mysql2', log, ...config };
  const events: GoneAwayEvent[] = [];
  const db = side === 'bare' ? knex(full) : knex(goneAway(full, options));
  if (side === 'goneaway') subscribeTo(db, (event) => events.push(event));
  return { db, lines, events };
}

/** Settles `promise` or reports that it was still pending after `ms` (a hang). */
export async function settleWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown } | { status: 'hung' }> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<{ status: 'hung' }>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'hung' }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ status: 'fulfilled' as const, value }),
        (reason: unknown) => ({ status: 'rejected' as const, reason }),
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
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
      // The newest match that is not already being killed: a statement KILLed by an earlier test can linger.
      "select id from information_schema.processlist where user = ? and info like ? and command <> 'Killed' order by id desc limit 1",
      [user, pattern],
    );
    id = rows[0]?.id;
    return id !== undefined;
  }, `a statement like ${pattern}`);
  await server.query(`KILL ${Number(id)}`);
  return id!;
}
