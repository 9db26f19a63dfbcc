export { describeWithOwnServer, sleep, waitFor } from '@goneaway/test-harness';

import {
  commitMarkerStats,
  flushCommitMarkers,
  type GoneAwayEvent,
  type GoneAwayOptions,
  goneAway,
  subscribeTo,
  withTransactionRetry,
} from '@goneaway/knex';
import {
  type ClientDataAction,
  type FaultProxy,
  type MariaDBServer,
  startMariaDB,
  waitFor,
} from '@goneaway/test-harness';
import knex, { type Knex } from 'knex';

export { commitMarkerStats, flushCommitMarkers, withTransactionRetry };

export const MARKERS = 'goneaway_commit_markers';

/** A private server whose commits are durable at once (a crash loses no acknowledged COMMIT), with a ledger table. */
export async function startLedgerServer(): Promise<MariaDBServer> {
  const server = await startMariaDB({ serverOptions: { innodb_flush_log_at_trx_commit: 1 } });
  await server.query(
    'create table goneaway.ledger (id int auto_increment primary key, k varchar(64) not null, amount int not null, key (k))',
  );
  return server;
}

/**
 * Waits until the server has been up `seconds` (its `Uptime`): resolution KILLs a session only when
 * the uptime proves the server has not restarted since the marker was written.
 */
export async function waitForUptime(server: MariaDBServer, seconds: number): Promise<void> {
  await waitFor(async () => {
    const rows = await server.query<{ Value: string }>("show global status like 'Uptime'");
    return Number(rows[0]?.Value) >= seconds;
  }, `an uptime of ${seconds} s`);
}

/** Rows of the ledger with key `k`, counted by the admin straight on the server (never through the proxy). */
export async function ledgerRows(server: MariaDBServer, k: string): Promise<number> {
  const rows = await server.query<{ n: number }>('select count(*) as n from goneaway.ledger where k = ?', [
    k,
  ]);
  return Number(rows[0]?.n);
}

export async function markerRows(server: MariaDBServer): Promise<number> {
  const rows = await server.query<{ n: number }>(`select count(*) as n from goneaway.${MARKERS}`);
  return Number(rows[0]?.n);
}

export interface OpenedDb {
  readonly db: Knex;
  readonly events: GoneAwayEvent[];
}

/** knex(goneAway()) through `proxy` (or straight to the server), one connection at most unless told. */
export function openGoneAway(
  server: MariaDBServer,
  proxy: FaultProxy | undefined,
  options?: GoneAwayOptions,
  pool: Knex.PoolConfig = { min: 0, max: 2 },
): OpenedDb {
  const connection = proxy ? proxy.route(server.connection) : server.connection;
  const db = knex(goneAway({ client: 'mysql2', connection, pool }, options));
  const events: GoneAwayEvent[] = [];
  subscribeTo(db, (event) => events.push(event));
  return { db, events };
}

export function openBare(server: MariaDBServer, proxy: FaultProxy): Knex {
  return knex({ client: 'mysql2', connection: proxy.route(server.connection), pool: { min: 0, max: 2 } });
}

/**
 * A proxy hook that applies `action` to the first client chunk containing `text` (once), forwarding
 * everything else. `fired()` says whether it has fired.
 */
export function faultOnce(
  text: string,
  action: ClientDataAction | (() => ClientDataAction),
): { hook: (chunk: Buffer) => ClientDataAction; fired: () => boolean } {
  let done = false;
  return {
    hook: (chunk) => {
      if (done || !chunk.includes(text)) return 'forward';
      done = true;
      return typeof action === 'function' ? action() : action;
    },
    fired: () => done,
  };
}

/** The COM_QUERY statements in one client chunk (a chunk may hold several packets). */
export function queriesIn(chunk: Buffer): string[] {
  const statements: string[] = [];
  let offset = 0;
  while (offset + 4 < chunk.length) {
    const length = chunk.readUIntLE(offset, 3);
    const sequence = chunk[offset + 3];
    if (sequence === 0 && chunk[offset + 4] === 0x03) {
      statements.push(chunk.subarray(offset + 5, offset + 4 + length).toString('utf8'));
    }
    offset += 4 + length;
  }
  return statements;
}

/** Settles a promise into a value or an error, for assertions on either. */
export function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
