import { setTimeout as delay } from 'node:timers/promises';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../packages/core/src/classification/classify.js';
import { CommitOutcomeUnknownError } from '../../packages/core/src/errors/commit-outcome-unknown-error.js';
import { ConnectionLostError } from '../../packages/core/src/errors/connection-lost-error.js';
import { DatabaseUnavailableError } from '../../packages/core/src/errors/database-unavailable-error.js';
import type { GoneAwayError } from '../../packages/core/src/errors/goneaway-error.js';
import { PacketTooLargeError } from '../../packages/core/src/errors/packet-too-large-error.js';
import { TransactionLostError } from '../../packages/core/src/errors/transaction-lost-error.js';
import { describeError } from '../../packages/core/src/redaction/describe-error.js';
import { describeSql } from '../../packages/core/src/redaction/describe-sql.js';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  startMariaDB,
} from '../harness/src/index.js';

/**
 * A secret in a binding, in a SQL literal and in the password: the real driver errors carry them
 * (knex formats the values into the message), goneaway's messages, toString(), stack head, JSON,
 * hints and classifications never do.
 */

const BINDING_SECRET = 'binding-S3cret-4711';
const LITERAL_SECRET = 'literal-S3cret-0815';
const PASSWORD_SECRET = 'password-S3cret-1234';
const SECRETS = [
  BINDING_SECRET,
  LITERAL_SECRET,
  PASSWORD_SECRET,
  Buffer.from(BINDING_SECRET).toString('hex'),
  Buffer.from(LITERAL_SECRET).toString('hex'),
];

type DriverError = Error & Record<string, unknown>;

async function failure(promise: PromiseLike<unknown>): Promise<DriverError> {
  const outcome = await Promise.resolve(promise).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as DriverError;
}

/** Every text goneaway produces from an error. */
function everythingWeSay(error: GoneAwayError): string[] {
  return [
    error.message,
    String(error),
    error.stack?.split('\n')[0] ?? '',
    JSON.stringify(error),
    error.hint,
    JSON.stringify(error.classification),
  ];
}

function expectNoSecret(texts: string[]): void {
  for (const text of texts) for (const secret of SECRETS) expect(text).not.toContain(secret);
}

const silentLog = { warn() {}, error() {}, deprecate() {}, debug() {} };

describe.skipIf(!canControlServers)('redaction of real driver errors', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);

  let server: MariaDBServer;
  let db: Knex;

  beforeAll(async () => {
    server = await startMariaDB();
    await server.query(
      'CREATE TABLE goneaway.accounts (id INT PRIMARY KEY, token VARCHAR(100), note VARCHAR(100))',
    );
    await server.query('INSERT INTO goneaway.accounts VALUES (1, NULL, NULL)');
    db = knexFactory({
      client: 'mysql2',
      connection: server.connection,
      pool: { min: 0, max: 2 },
      log: silentLog,
    });
  });

  afterAll(async () => {
    await db?.destroy();
    await server?.destroy();
  });

  it('a secret in a binding and in a literal, on a statement killed mid-flight', async () => {
    const hex = Buffer.from(LITERAL_SECRET).toString('hex');
    const running = failure(
      db.raw(`SELECT SLEEP(30) AS s, '${LITERAL_SECRET}' AS note, ? AS token, X'${hex}' AS raw`, [
        BINDING_SECRET,
      ]),
    );
    await delay(300);
    for (const id of await server.processIds()) await server.query(`KILL ${id}`);
    const lost = await running;
    // The driver error does carry the values: knex formatted them into its message.
    expect(lost.message).toContain(BINDING_SECRET);
    expect(lost.message).toContain(LITERAL_SECRET);

    const statement = String(lost.message).split(' - ')[0]!;
    const errors: GoneAwayError[] = [
      new ConnectionLostError({ statement, cause: lost }),
      new TransactionLostError({ statement, cause: lost }),
      new CommitOutcomeUnknownError({ cause: lost }),
      new PacketTooLargeError({
        statement,
        packetBytes: 2_000_000,
        maxAllowedPacket: 1_048_576,
        cause: lost,
      }),
      new DatabaseUnavailableError({ attempts: 3, elapsedMs: 1500, cause: lost }),
    ];
    for (const error of errors) {
      expectNoSecret(everythingWeSay(error));
      expect(error.cause).toBe(lost);
    }
    expect(errors[0]!.message).toContain('(`SELECT SLEEP(?) AS `?`, ? AS `?`, ? AS `?`, ? AS `?``)');
    expectNoSecret([
      describeSql(statement),
      JSON.stringify(classify(lost)),
      JSON.stringify(describeError(lost)),
    ]);
  });

  it('a secret binding in a duplicate-key error', async () => {
    await db('accounts').insert({ id: 2, token: 'first' });
    const duplicate = await failure(
      db('accounts').insert({ id: 2, token: BINDING_SECRET, note: LITERAL_SECRET }),
    );
    expect(duplicate.message).toContain(BINDING_SECRET);
    const error = new ConnectionLostError({ statement: String(duplicate.sql), cause: duplicate });
    expectNoSecret(everythingWeSay(error));
    expectNoSecret([JSON.stringify(classify(duplicate)), JSON.stringify(describeError(duplicate))]);
  });

  it('a secret password in an authentication failure', async () => {
    const bad = knexFactory({
      client: 'mysql2',
      connection: { ...server.connection, password: PASSWORD_SECRET },
      pool: { min: 0, max: 1 },
      acquireConnectionTimeout: 5_000,
      log: silentLog,
    });
    try {
      const denied = await failure(bad.raw('SELECT ?', [BINDING_SECRET]));
      expect(denied.errno).toBe(1045);
      const error = new DatabaseUnavailableError({ attempts: 1, elapsedMs: 10, cause: denied });
      expectNoSecret(everythingWeSay(error));
      expectNoSecret([JSON.stringify(classify(denied)), JSON.stringify(describeError(denied))]);
    } finally {
      await bad.destroy();
    }
  });
});
