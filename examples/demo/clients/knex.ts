import { goneAway, stats } from '@goneaway/knex';
import knex, { type Knex } from 'knex';
import type { AppDb, AppQueries, DemoClient, NoiseSink, OpenOptions, Row } from './app-db.js';
import { activityOf } from './app-db.js';

const NOISE_LINE = 120;

function noiseLine(message: unknown): string {
  const text =
    typeof message === 'string' ? message : message instanceof Error ? message.message : String(message);
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > NOISE_LINE ? `${line.slice(0, NOISE_LINE - 1)}…` : line;
}

/** knex's `log` option: replaces knex's console output, so its noise is counted instead of printed. */
function knexLog(noise: NoiseSink): Knex.Config['log'] {
  return {
    warn: (message: unknown) => noise.push(noiseLine(message)),
    error: (message: unknown) => noise.push(noiseLine(message)),
    deprecate: (method: unknown, alternative: unknown) =>
      noise.push(`${String(method)} is deprecated, use ${String(alternative)}`),
    debug: () => undefined,
  };
}

/** The application's own knex config: what a typical service writes, nothing tuned for the demo. */
export function knexAppConfig(options: OpenOptions): Knex.Config {
  return {
    client: 'mysql2',
    connection: { ...options.connection },
    ...(options.pool ? { pool: { ...options.pool } } : {}),
    log: knexLog(options.noise),
  };
}

function queriesOf(db: Knex | Knex.Transaction): AppQueries {
  return {
    // knex's mysql2 raw() resolves to mysql2's [rows, fields].
    read: async (sql) => ((await db.raw(sql)) as [Row[], unknown])[0],
    write: async (sql, params = []) => {
      await db.raw(sql, params as Knex.RawBinding[]);
    },
  };
}

function appDbOf(db: Knex): AppDb {
  return {
    ...queriesOf(db),
    transaction: (work) => db.transaction((trx) => work(queriesOf(trx))),
  };
}

/** knex + mysql2: bare is `knex(config)`, goneaway is `knex(goneAway(config))`. */
export const knexClient: DemoClient = {
  id: 'knex',
  labels: { bare: 'bare knex + mysql2', goneaway: 'knex + goneaway' },
  open(side, options) {
    // The capture goes into the application's config *before* goneAway sees it, so the plugin's
    // composition of a user's own `log` option is exercised, not bypassed.
    const config = knexAppConfig(options);
    const db = knex(side === 'goneaway' ? goneAway(config) : config);
    return {
      db: appDbOf(db),
      activity: () => (side === 'goneaway' ? activityOf(stats(db)) : undefined),
      destroy: () => db.destroy(),
    };
  },
};
