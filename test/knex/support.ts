export { codeOf, describeWithOwnServer, killWhenRunning, sleep, waitFor } from '@goneaway/test-harness';

import { type GoneAwayEvent, type GoneAwayOptions, goneAway, subscribeTo } from '@goneaway/knex';
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
