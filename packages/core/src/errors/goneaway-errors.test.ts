import { describe, expect, it } from 'vitest';
import { classify } from '../classification/classify.js';
import { markConnectPhase } from '../classification/connect-phase.js';
import { CommitOutcomeUnknownError, isCommitOutcomeUnknown } from './commit-outcome-unknown-error.js';
import { ConnectionLostError, isConnectionLost } from './connection-lost-error.js';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './database-unavailable-error.js';
import { GONEAWAY_CODES } from './goneaway-codes.js';
import { GoneAwayConfigError, isGoneAwayConfigError } from './goneaway-config-error.js';
import { findGoneAwayError, GoneAwayError, isGoneAwayError } from './goneaway-error.js';
import { isPacketTooLarge, PacketTooLargeError } from './packet-too-large-error.js';
import { isTransactionLost, TransactionLostError } from './transaction-lost-error.js';

const SECRET = 'hunter2-S3cr3t';
const PASSWORD = 'pw-Sup3rS3cret';

/** A mysql2 error as knex leaves it: the SQL with the values formatted in, in `message` and `sql`. */
function driverError(): Error {
  const sql = `insert into \`users\` (\`name\`, \`token\`) values ('${SECRET}', X'${Buffer.from(SECRET).toString('hex')}')`;
  return Object.assign(new Error(`${sql} - Connection lost: The server closed the connection.`), {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
    sql,
    password: PASSWORD,
    config: { password: PASSWORD },
  });
}

const STATEMENT = `insert into \`users\` (\`name\`, \`password\`) values ('${SECRET}', '${PASSWORD}')`;

const guards = [
  isGoneAwayError,
  isConnectionLost,
  isTransactionLost,
  isCommitOutcomeUnknown,
  isPacketTooLarge,
  isDatabaseUnavailable,
  isGoneAwayConfigError,
];

const cases: [string, () => GoneAwayError, string, (value: unknown) => boolean][] = [
  [
    'ConnectionLostError',
    () => new ConnectionLostError({ statement: STATEMENT, cause: driverError() }),
    GONEAWAY_CODES.CONNECTION_LOST,
    isConnectionLost,
  ],
  [
    'TransactionLostError',
    () => new TransactionLostError({ statement: STATEMENT, cause: driverError() }),
    GONEAWAY_CODES.TRANSACTION_LOST,
    isTransactionLost,
  ],
  [
    'CommitOutcomeUnknownError',
    () => new CommitOutcomeUnknownError({ cause: driverError() }),
    GONEAWAY_CODES.COMMIT_UNKNOWN,
    isCommitOutcomeUnknown,
  ],
  [
    'PacketTooLargeError',
    () =>
      new PacketTooLargeError({ packetBytes: 2_097_152, maxAllowedPacket: 1_048_576, statement: STATEMENT }),
    GONEAWAY_CODES.PACKET_TOO_LARGE,
    isPacketTooLarge,
  ],
  [
    'DatabaseUnavailableError',
    () => new DatabaseUnavailableError({ attempts: 7, elapsedMs: 5012, cause: driverError() }),
    GONEAWAY_CODES.UNAVAILABLE,
    isDatabaseUnavailable,
  ],
  [
    'GoneAwayConfigError',
    () =>
      new GoneAwayConfigError({
        issues: [{ path: 'outageBudgetMs', expected: 'a positive number of milliseconds', received: '-1' }],
      }),
    GONEAWAY_CODES.CONFIG,
    isGoneAwayConfigError,
  ],
];

describe.each(cases)('%s', (name, make, code, guard) => {
  it('has its name, code, hint, and is an Error', () => {
    const error = make();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(GoneAwayError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.hint.length).toBeGreaterThan(10);
    expect(error.message).toContain(error.hint);
    expect(String(error)).toBe(`${name}: ${error.message}`);
    expect(error.stack?.startsWith(`${name}: `)).toBe(true);
  });

  it('is recognised by its guard and isGoneAwayError only', () => {
    const error = make();
    for (const candidate of guards) {
      expect(candidate(error), candidate.name).toBe(candidate === guard || candidate === isGoneAwayError);
    }
  });

  it('is recognised by code alone, as another copy of the package would see it', () => {
    const foreign = { name, code, message: 'from another copy' };
    expect(guard(foreign)).toBe(true);
    expect(isGoneAwayError(foreign)).toBe(true);
  });

  it('never shows values, literals or the password in message, toString, stack head or JSON', () => {
    const error = make();
    const json = JSON.stringify(error);
    for (const text of [error.message, String(error), error.stack?.split('\n')[0] ?? '', json, error.hint]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(Buffer.from(SECRET).toString('hex'));
    }
    expect(JSON.parse(json)).toMatchObject({ name, code, message: error.message, hint: error.hint });
  });
});

describe('guards', () => {
  it('reject what is not a goneaway error, without throwing', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const values = [
      undefined,
      null,
      'GONEAWAY_CONNECTION_LOST',
      { code: 'ECONNRESET' },
      { code: 'GONEAWAY_SOMETHING_ELSE' },
      new Error('x'),
      proxy,
      Object.defineProperty({}, 'code', {
        get() {
          throw new Error('boom');
        },
      }),
    ];
    for (const value of values) {
      for (const guard of guards) expect(guard(value)).toBe(false);
    }
  });
});

describe('messages', () => {
  it('ConnectionLostError names the statement shape and says it may have run', () => {
    const error = new ConnectionLostError({
      statement: 'insert into `t` (`a`) values (?)',
      cause: driverError(),
    });
    expect(error.message).toBe(
      'Connection lost while running an INSERT (`insert into `?` (`?`) values (?)`); it may or may not have run, so it was not retried. Make the write idempotent or check its effect before running it again.',
    );
    expect(error.statement).toBe('insert into `?` (`?`) values (?)');
    expect(error.classification).toMatchObject({ kind: 'connection-lost', sent: 'maybe' });
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('ConnectionLostError says when the statement never reached the server', () => {
    const cause = Object.assign(new Error("Can't add new command when connection is in closed state"), {
      fatal: true,
    });
    const error = new ConnectionLostError({ statement: 'update t set a = 1', cause });
    expect(error.message).toContain('before an UPDATE');
    expect(error.message).toContain('it did not run');
  });

  it('ConnectionLostError without a statement', () => {
    expect(new ConnectionLostError().message).toContain('while running a statement;');
  });

  it('TransactionLostError says the whole transaction was rolled back', () => {
    const error = new TransactionLostError({ statement: 'update `t` set `a` = 1', cause: driverError() });
    expect(error.message).toContain(
      'inside a transaction while running an UPDATE (`update `?` set `?` = ?`)',
    );
    expect(error.message).toContain('rolled the whole transaction back');
    expect(error.message).toContain('withTransactionRetry');
  });

  it('PacketTooLargeError gives both sizes', () => {
    const error = new PacketTooLargeError({ packetBytes: 2_097_152, maxAllowedPacket: 1_048_576 });
    expect(error.message).toBe(
      'The statement is 2,097,152 bytes, more than max_allowed_packet (1,048,576 bytes), so goneaway did not send it. Raise max_allowed_packet on the server or stream the BLOB in smaller chunks.',
    );
    expect(error.packetBytes).toBe(2_097_152);
    expect(error.maxAllowedPacket).toBe(1_048_576);
    expect(error.rejectedBy).toBe('goneaway');
    expect(error.toJSON()).toMatchObject({ packetBytes: 2_097_152, maxAllowedPacket: 1_048_576 });
    const fromServer = new PacketTooLargeError({ rejectedBy: 'server', cause: { errno: 1153 } });
    expect(fromServer.message).toContain(
      "more than the server's max_allowed_packet, so the server rejected it",
    );
    expect(fromServer.classification?.kind).toBe('packet-too-large');
  });

  it('CommitOutcomeUnknownError points at the commit marker, never at checking for the changes', () => {
    const error = new CommitOutcomeUnknownError({ cause: driverError() });
    // A read right after the loss can miss a COMMIT still in flight: advising it invites a double apply.
    expect(error.message).not.toMatch(/check whether/i);
    expect(error.hint).not.toMatch(/check whether/i);
    expect(error.message).toContain('withTransactionRetry(..., { commitMarker: true })');
    expect(error.message).toContain('the COMMIT may still be in flight');
  });

  it('DatabaseUnavailableError gives attempts, time and the last kind', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });
    const error = new DatabaseUnavailableError({ attempts: 7, elapsedMs: 5012.4, cause });
    expect(error.message).toContain(
      '7 attempts over 5012 ms failed (last error: connect-failed ECONNREFUSED, "connect ECONNREFUSED 127.0.0.1:1")',
    );
    expect(error.toJSON()).toMatchObject({
      attempts: 7,
      elapsedMs: 5012,
      reason: 'budget-spent',
      cause: { code: 'ECONNREFUSED', syscall: 'connect' },
    });
    const open = new DatabaseUnavailableError({ attempts: 1, elapsedMs: 0, reason: 'circuit-open' });
    expect(open.message).toContain(
      'the circuit is open after 1 failed attempt, so the call failed fast after 0 ms',
    );
  });

  it('DatabaseUnavailableError quotes the last connect error: where it tried, never a password', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:601'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });
    const error = new DatabaseUnavailableError({ attempts: 38, elapsedMs: 5128, cause: refused });
    // knex's own test "uses correct port for connecting" looks for this text.
    expect(error.message).toContain('connect ECONNREFUSED 127.0.0.1:601');
    expect(error.message).toContain(
      '38 attempts over 5128 ms failed (last error: connect-failed ECONNREFUSED, "connect ECONNREFUSED 127.0.0.1:601")',
    );

    const withUrl = markConnectPhase(
      Object.assign(
        new Error(`Invalid connection mysql://app:${PASSWORD}@db:3306/app (password=${PASSWORD})`),
        {
          code: 'ECONNRESET',
        },
      ),
    );
    const redacted = new DatabaseUnavailableError({ attempts: 2, elapsedMs: 10, cause: withUrl });
    expect(redacted.message).toContain('mysql://app:***@db:3306/app');
    expect(redacted.message).not.toContain(PASSWORD);

    const plugin = markConnectPhase(
      Object.assign(new Error(`auth plugin rejected secret ${PASSWORD}`), { code: 'ECONNRESET' }),
    );
    const configured = new DatabaseUnavailableError({
      attempts: 2,
      elapsedMs: 10,
      cause: plugin,
      secrets: [PASSWORD],
    });
    expect(configured.message).toContain('auth plugin rejected secret ***');
    expect(configured.message).not.toContain(PASSWORD);
  });

  it('DatabaseUnavailableError names where the connect went when the driver message does not', () => {
    // mysql2's own connect timeout says only "connect ETIMEDOUT".
    const timeout = markConnectPhase(
      Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT', syscall: 'connect' }),
      '10.0.0.5:3306',
    );
    const error = new DatabaseUnavailableError({ attempts: 3, elapsedMs: 1501, cause: timeout });
    expect(error.message).toContain('"connect ETIMEDOUT, connecting to 10.0.0.5:3306"');
    const refused = markConnectPhase(
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:3306'), {
        code: 'ECONNREFUSED',
        syscall: 'connect',
      }),
      '10.0.0.5:3306',
    );
    const named = new DatabaseUnavailableError({ attempts: 3, elapsedMs: 1501, cause: refused });
    expect(named.message).toContain('"connect ECONNREFUSED 10.0.0.5:3306")');
  });

  it("DatabaseUnavailableError does not quote a statement's error (knex puts the SQL and its values there)", () => {
    const error = new DatabaseUnavailableError({ attempts: 3, elapsedMs: 5000, cause: driverError() });
    expect(error.message).toContain('(last error: connection-lost PROTOCOL_CONNECTION_LOST)');
    expect(error.message).not.toContain(SECRET);
  });

  it('DatabaseUnavailableError cuts a long driver message short', () => {
    const cause = Object.assign(new Error(`connect ETIMEDOUT ${'h'.repeat(2_000)}`), {
      code: 'ETIMEDOUT',
      syscall: 'connect',
    });
    expect(new DatabaseUnavailableError({ attempts: 1, elapsedMs: 1, cause }).message.length).toBeLessThan(
      700,
    );
  });

  it('GoneAwayConfigError names the path, expected and received, and counts the rest', () => {
    const error = new GoneAwayConfigError({
      issues: [
        { path: 'backoff.maxDelayMs', expected: 'a positive number of milliseconds', received: '-1' },
        { path: 'foo', expected: 'a known option', received: 'an unknown option' },
      ],
    });
    expect(error.path).toBe('backoff.maxDelayMs');
    expect(error.message).toContain(
      'Invalid goneaway option `backoff.maxDelayMs`: expected a positive number of milliseconds, received -1.',
    );
    expect(error.message).toContain('(1 more: foo)');
    expect(error.issues).toHaveLength(2);
    expect(Object.isFrozen(error.issues)).toBe(true);
    expect(new GoneAwayConfigError({ issues: [] }).path).toBe('');
  });

  it('toJSON summarises the cause without its message or SQL', () => {
    const json = new ConnectionLostError({ cause: driverError() }).toJSON();
    expect(json.cause).toEqual({
      name: 'Error',
      code: 'PROTOCOL_CONNECTION_LOST',
      errno: undefined,
      sqlState: undefined,
      fatal: true,
      syscall: undefined,
    });
    expect(json.classification).toEqual(classify(driverError()));
  });
});

describe('ConnectionLostError for a read', () => {
  it('says a read is safe to run again instead of asking for idempotent writes', () => {
    const error = new ConnectionLostError({
      statement: 'select * from `t` where `id` = 7',
      cause: driverError(),
    });
    expect(error.message).toBe(
      'Connection lost while running a SELECT (`select * from `?` where `?` = ?`); it may or may not have run, so it was not retried. It only reads, so it is safe to run again.',
    );
  });
});

describe('findGoneAwayError', () => {
  it("finds goneaway's error itself, or through cause / originalError / original wrappers; the guards stay exact", () => {
    const ours = new TransactionLostError({ cause: new Error('PROTOCOL_CONNECTION_LOST') });
    expect(findGoneAwayError(ours)).toBe(ours);
    const drizzle = Object.assign(new Error('Failed query: update …'), { cause: ours });
    expect(findGoneAwayError(drizzle)).toBe(ours);
    expect(isTransactionLost(drizzle)).toBe(false);
    expect(isTransactionLost(findGoneAwayError(drizzle))).toBe(true);
    expect(findGoneAwayError({ originalError: { cause: ours } })).toBe(ours);
    // Sequelize's DatabaseError keeps the driver's error as `original` (and `parent`), without `cause`.
    const sequelize = Object.assign(new Error(ours.message), { parent: ours, original: ours });
    expect(findGoneAwayError(sequelize)).toBe(ours);
  });

  it('gives undefined for anything else, a cycle, or a chain deeper than 8', () => {
    expect(findGoneAwayError(undefined)).toBeUndefined();
    expect(findGoneAwayError('GONEAWAY_TRANSACTION_LOST')).toBeUndefined();
    expect(findGoneAwayError(new Error('x', { cause: new Error('y') }))).toBeUndefined();
    const cycle: { cause?: unknown } = {};
    cycle.cause = cycle;
    expect(findGoneAwayError(cycle)).toBeUndefined();
    let deep: unknown = new TransactionLostError({});
    for (let i = 0; i < 8; i++) deep = { cause: deep };
    expect(findGoneAwayError(deep)).toBeUndefined();
  });
});
