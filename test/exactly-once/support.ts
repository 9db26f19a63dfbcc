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
  type ProxiedConnection,
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

/**
 * Rows of the ledger with key `k` once a COMMIT the client stopped listening to has landed: a
 * 'forward-then-reset' fault answers the client at once while the server may still be committing (a
 * loaded machine took longer than 200 ms once), so wait until the row shows up (up to 10 s), then count.
 * A COMMIT that never lands still counts 0, duplicates still count 2.
 */
export async function ledgerRowsOnceCommitted(server: MariaDBServer, k: string): Promise<number> {
  await waitFor(async () => (await ledgerRows(server, k)) > 0, `the row ${k} to be committed`, 10_000).catch(
    () => undefined,
  );
  return ledgerRows(server, k);
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

/** Which client chunk a fault applies to: one that contains `text`, or one `matches` accepts. */
export type ChunkMatcher = string | ((chunk: Buffer) => boolean);

function matchesChunk(matcher: ChunkMatcher, chunk: Buffer): boolean {
  return typeof matcher === 'string' ? chunk.includes(matcher) : matcher(chunk);
}

/**
 * A proxy hook that applies `action` to the first client chunk `matcher` accepts (once), forwarding
 * everything else. `fired()` says whether it has fired.
 */
export function faultOnce(
  matcher: ChunkMatcher,
  action: ClientDataAction | (() => ClientDataAction),
): { hook: (chunk: Buffer) => ClientDataAction; fired: () => boolean } {
  let done = false;
  return {
    hook: (chunk) => {
      if (done || !matchesChunk(matcher, chunk)) return 'forward';
      done = true;
      return typeof action === 'function' ? action() : action;
    },
    fired: () => done,
  };
}

/**
 * A chunk that carries a COMMIT statement, however the library spells it (knex sends `COMMIT;`,
 * mysql2, TypeORM and Prisma's adapter `COMMIT`); not the marker insert into `goneaway_commit_markers`.
 */
export function isCommit(chunk: Buffer): boolean {
  return queriesIn(chunk).some((sql) => /^\s*COMMIT\s*;?\s*$/i.test(sql));
}

/**
 * On the first chunk `matcher` accepts (COMMIT): isolate the server from everyone else (every other
 * proxied connection reset, new ones refused until `proxy.refuseNew(false)`), then apply `action`
 * to that chunk. A resolution started then cannot reach the server until the test lets it.
 */
export function isolateAt(
  proxy: FaultProxy,
  matcher: ChunkMatcher,
  action: ClientDataAction,
): { fired: () => boolean } {
  let fired = false;
  proxy.onClientData((chunk: Buffer, connection: ProxiedConnection) => {
    if (fired || !matchesChunk(matcher, chunk)) return 'forward';
    fired = true;
    proxy.refuseNew(true);
    for (const other of proxy.connections()) if (other.id !== connection.id) other.reset();
    return action;
  });
  return { fired: () => fired };
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

/** One command a client sent: a statement run (COM_QUERY, COM_STMT_EXECUTE) or prepared, with its text when it has one. */
export interface SentCommand {
  readonly kind: 'query' | 'prepare' | 'execute';
  /** The SQL of a query or a prepare; an execute names no text. */
  readonly sql?: string;
}

const COMMAND_KINDS: Readonly<Record<number, SentCommand['kind']>> = {
  3: 'query',
  22: 'prepare',
  23: 'execute',
};

/**
 * The commands in one client chunk, text and binary protocol alike (Prisma's adapter prepares and
 * executes; a statement it prepared before runs with no text on the wire).
 */
export function commandsIn(chunk: Buffer): SentCommand[] {
  const commands: SentCommand[] = [];
  let offset = 0;
  while (offset + 4 < chunk.length) {
    const length = chunk.readUIntLE(offset, 3);
    const kind = chunk[offset + 3] === 0 ? COMMAND_KINDS[chunk[offset + 4] ?? -1] : undefined;
    if (kind === 'execute') commands.push({ kind });
    else if (kind !== undefined) {
      commands.push({ kind, sql: chunk.subarray(offset + 5, offset + 4 + length).toString('utf8') });
    }
    offset += 4 + length;
  }
  return commands;
}

/** Settles a promise into a value or an error, for assertions on either. */
export function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
