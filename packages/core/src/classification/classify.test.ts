import { describe, expect, it } from 'vitest';
import { ERROR_KINDS } from './classification.js';
import { classify } from './classify.js';
import { markConnectPhase } from './connect-phase.js';
import { ERROR_TABLE, type ErrorTableRow, KIND_HINTS } from './error-table.js';

/** An error shaped the way the row's source delivers it, with a message that fits the row. */
function errorFor(row: ErrorTableRow): Record<string, unknown> {
  const pattern = row.messagePattern?.source ?? '';
  const message = pattern.includes('read')
    ? 'running with the --read-only option'
    : pattern.includes('primary component')
      ? 'Error while appending streaming replication fragment(provider status: Not connected to Primary Component)'
      : 'x';
  switch (row.source) {
    case 'server':
    case 'client':
      return { errno: row.key, message, sqlMessage: message, sqlState: 'HY000' };
    case 'driver':
      // mysql2's own codes carry no syscall: only the adapter knows it was connecting.
      return row.phase === 'connect'
        ? markConnectPhase({ code: row.key, message, fatal: true })
        : { code: row.key, message, fatal: true };
    case 'socket':
      return row.phase === 'connect'
        ? { code: row.key, syscall: 'connect', message: `connect ${String(row.key)} 127.0.0.1:1` }
        : { code: row.key, syscall: 'read', message: `read ${String(row.key)}` };
    case 'message':
      return row.messagePattern === undefined
        ? { message: row.key, fatal: true }
        : { name: 'KnexTimeoutError', message: `${String(row.key)} of 300ms exceeded when running query.` };
    case 'sql-state':
      return { sqlState: row.key, message };
    case 'fallback':
      return {};
  }
}

/** The first row for each key and phase is the one an error built from it must land on. */
const reachableRows = ERROR_TABLE.filter(
  (row, index) =>
    ERROR_TABLE.findIndex(
      (other) => other.source === row.source && other.key === row.key && other.phase === row.phase,
    ) === index || row.messagePattern === undefined,
);

describe('classify over the error table', () => {
  it.each(reachableRows.map((row) => [`${row.source} ${String(row.key)} (${row.phase})`, row] as const))(
    '%s',
    (_label, row) => {
      const classification = classify(errorFor(row));
      expect(classification).toMatchObject({
        kind: row.kind,
        sent: row.sent,
        connection: row.connection,
        retry: row.retry,
        hint: row.hint,
      });
      if (row.source === 'server' || row.source === 'client') {
        expect(classification.errno).toBe(row.key);
        expect(classification.code).toBe(row.symbol);
      }
      if (row.source === 'driver' || row.source === 'socket') expect(classification.code).toBe(row.key);
    },
  );

  it("knows the mariadb connector's own numbers: a closed connection's command was never sent", () => {
    // The shapes mariadb 3.5 gives (SqlError: errno, code, sqlState 08S01, fatal).
    const closed = { errno: 45013, code: 'ER_CMD_CONNECTION_CLOSED', sqlState: '08S01', fatal: true };
    expect(classify(closed)).toMatchObject({ kind: 'connection-lost', sent: 'no', retry: 'safe' });
    const lost = { errno: 45009, code: 'ER_SOCKET_UNEXPECTED_CLOSE', sqlState: '08S01', fatal: true };
    expect(classify(lost)).toMatchObject({ kind: 'connection-lost', sent: 'maybe', retry: 'if-idempotent' });
    expect(classify({ errno: 45012, code: 'ER_CONNECTION_TIMEOUT', fatal: true })).toMatchObject({
      kind: 'connect-failed',
      sent: 'no',
    });
  });

  it('a Galera node that lost the primary component during a commit (1180 with the wsrep status) may or may not have committed: a lost connection; any other 1180 is not connection-related', () => {
    // The message MariaDB 10.11 gave for an autocommit INSERT on a node just isolated (test/cluster/failover).
    const galera = {
      errno: 1180,
      code: 'ER_ERROR_DURING_COMMIT',
      sqlState: 'HY000',
      message:
        "insert into `t` (`id`, `note`) values (1, 'workload') - Error while appending streaming replication fragment(provider status: Not connected to Primary Component)",
    };
    expect(classify(galera)).toMatchObject({
      kind: 'connection-lost',
      sent: 'maybe',
      connection: 'dispose',
      retry: 'if-idempotent',
    });
    const engine = {
      errno: 1180,
      code: 'ER_ERROR_DURING_COMMIT',
      message: 'Got error 28 "No space left on device" during COMMIT',
    };
    expect(classify(engine)).toMatchObject({ kind: 'not-connection-related', retry: 'never' });
  });

  it('knows every number and code the issue lists', () => {
    const numbers = [
      1040, 1045, 1047, 1053, 1129, 1152, 1153, 1158, 1159, 1160, 1161, 1184, 1203, 1205, 1213, 1226, 1290,
      1317, 1792, 1836, 1927, 1969, 3024, 3101, 4031, 1180, 2002, 2003, 2005, 2006, 2013, 2014, 2026, 2045,
      2055,
    ];
    const codes = [
      'PROTOCOL_CONNECTION_LOST',
      'PROTOCOL_SEQUENCE_TIMEOUT',
      'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
      'PROTOCOL_ENQUEUE_AFTER_QUIT',
      'ECONNRESET',
      'EPIPE',
      'ECONNREFUSED',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ENOTFOUND',
      'EAI_AGAIN',
    ];
    const keys = new Set(ERROR_TABLE.map((row) => row.key));
    expect(numbers.filter((n) => !keys.has(n))).toEqual([]);
    expect(codes.filter((c) => !keys.has(c))).toEqual([]);
    expect(classify({ code: 'ER_NET_PACKET_TOO_LARGE' }).kind).toBe('packet-too-large');
  });
});

describe('classify: the table rules the issue spells out', () => {
  it('never retries auth failures or errors that are not about the connection', () => {
    for (const row of ERROR_TABLE) {
      if (row.kind === 'auth-failed' || row.kind === 'not-connection-related')
        expect(row.retry).toBe('never');
    }
    expect(classify({ errno: 1062, code: 'ER_DUP_ENTRY', sqlState: '23000' })).toMatchObject({
      kind: 'not-connection-related',
      connection: 'usable',
      retry: 'never',
      code: 'ER_DUP_ENTRY',
      errno: 1062,
    });
  });

  it('gives every kind a one-sentence hint', () => {
    for (const kind of ERROR_KINDS) {
      const hint = KIND_HINTS[kind];
      expect(hint.length).toBeGreaterThan(20);
      expect(hint.endsWith('.')).toBe(true);
      // One sentence: no full stop followed by another sentence.
      expect(hint.slice(0, -1)).not.toMatch(/\.\s+[A-Z]/);
    }
  });

  it('treats connect failures as never sent and safe, except authentication', () => {
    for (const err of [
      { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 },
      { code: 'ENOTFOUND', syscall: 'getaddrinfo' },
      { code: 'EAI_AGAIN', syscall: 'getaddrinfo' },
      { errno: 2002 },
      { errno: 2003 },
      { errno: 1040, code: 'ER_CON_COUNT_ERROR', fatal: true },
      { errno: 1129 },
      { errno: 1203 },
      { errno: 1226 },
    ]) {
      expect(classify(err), JSON.stringify(err)).toMatchObject({
        sent: 'no',
        retry: 'safe',
        connection: 'dispose',
      });
    }
    expect(classify({ errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' })).toMatchObject({
      kind: 'auth-failed',
      retry: 'never',
    });
  });

  it('treats a socket lost mid-flight as maybe sent, to dispose, retried only when idempotent', () => {
    for (const err of [
      { code: 'PROTOCOL_CONNECTION_LOST', fatal: true },
      { code: 'ECONNRESET', errno: -104, syscall: 'read', fatal: true },
      { code: 'EPIPE', errno: -32, syscall: 'write', fatal: true },
      { errno: 2006 },
      { errno: 2013 },
    ]) {
      expect(classify(err), JSON.stringify(err)).toMatchObject({
        kind: 'connection-lost',
        sent: 'maybe',
        connection: 'dispose',
        retry: 'if-idempotent',
      });
    }
  });

  it('tells a connect timeout from a read timeout', () => {
    // mysql2's own connect timeout (Connection._handleTimeoutError).
    const connectTimeout = Object.assign(new Error('connect ETIMEDOUT'), {
      errorno: 'ETIMEDOUT',
      code: 'ETIMEDOUT',
      syscall: 'connect',
      fatal: true,
    });
    expect(classify(connectTimeout)).toMatchObject({ kind: 'connect-failed', sent: 'no', retry: 'safe' });
    expect(classify({ code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' })).toMatchObject({
      kind: 'connect-failed',
    });
    expect(classify({ code: 'ETIMEDOUT', syscall: 'read', fatal: true })).toMatchObject({
      kind: 'connection-lost',
      sent: 'maybe',
    });
    expect(classify({ code: 'EHOSTUNREACH', syscall: 'connect' }).kind).toBe('connect-failed');
    expect(classify({ code: 'EHOSTUNREACH' }).kind).toBe('connection-lost');
  });

  it("treats mysql2's closed-state error (no code) as never sent", () => {
    const err = Object.assign(new Error("Can't add new command when connection is in closed state"), {
      fatal: true,
    });
    expect(classify(err)).toMatchObject({
      kind: 'connection-lost',
      sent: 'no',
      connection: 'dispose',
      retry: 'safe',
    });
    expect(classify(err).code).toBeUndefined();
    // knex prefixes the SQL it ran, values and all.
    err.message = `insert into t values ('a - b') - ${err.message}`;
    expect(classify(err)).toMatchObject({ sent: 'no', retry: 'safe' });
    expect(classify(new Error("Can't add new command when connection is in closed state, or not")).kind).toBe(
      'not-connection-related',
    );
  });

  it('reads a numeric code as the error number (an ERR packet received while idle)', () => {
    const idle = Object.assign(
      new Error('The client was disconnected by the server because of inactivity.'),
      {
        code: 4031,
        fatal: true,
      },
    );
    expect(classify(idle)).toMatchObject({
      kind: 'idle-timeout',
      sent: 'no',
      connection: 'dispose',
      retry: 'safe',
      errno: 4031,
      code: 'ER_CLIENT_INTERACTION_TIMEOUT',
    });
  });

  it('keeps the connection after a deadlock or a lock wait timeout', () => {
    expect(classify({ errno: 1213, code: 'ER_LOCK_DEADLOCK', sqlState: '40001' })).toMatchObject({
      kind: 'deadlock',
      connection: 'usable',
      retry: 'whole-transaction',
    });
    expect(classify({ errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' })).toMatchObject({
      kind: 'lock-wait-timeout',
      connection: 'usable',
      retry: 'never',
    });
  });

  it('tells read-only 1290 from the other options that prevent a statement', () => {
    const readOnly = {
      errno: 1290,
      code: 'ER_OPTION_PREVENTS_STATEMENT',
      sqlMessage:
        'The MariaDB server is running with the --read-only option so it cannot execute this statement',
    };
    expect(classify(readOnly)).toMatchObject({
      kind: 'read-only',
      sent: 'yes',
      connection: 'dispose',
      retry: 'never',
    });
    expect(
      classify({
        errno: 1290,
        sqlMessage: 'The MySQL server is running with the --super-read-only option so …',
      }).kind,
    ).toBe('read-only');
    expect(classify({ errno: 1290 }).kind).toBe('read-only');
    const secureFilePriv = {
      errno: 1290,
      sqlMessage:
        'The MySQL server is running with the --secure-file-priv option so it cannot execute this statement',
      // A value in knex's SQL prefix must not decide: the server's own sqlMessage does.
      message:
        "select 'read-only' into outfile '/tmp/x' - The MySQL server is running with the --secure-file-priv …",
    };
    expect(classify(secureFilePriv)).toMatchObject({ kind: 'not-connection-related', connection: 'usable' });
  });

  it('maps the timeouts: server-side keeps the connection, client-side disposes of it', () => {
    expect(classify({ errno: 1969 })).toMatchObject({
      kind: 'statement-timeout',
      connection: 'usable',
      retry: 'never',
    });
    expect(classify({ errno: 3024, code: 'ER_QUERY_TIMEOUT' })).toMatchObject({ kind: 'statement-timeout' });
    expect(
      classify({ code: 'PROTOCOL_SEQUENCE_TIMEOUT', errorno: 'PROTOCOL_SEQUENCE_TIMEOUT', syscall: 'query' }),
    ).toMatchObject({ kind: 'statement-timeout', sent: 'maybe', connection: 'dispose', retry: 'never' });
  });
});

describe('classify: wrappers', () => {
  const driverError = () =>
    Object.assign(new Error('Connection lost: The server closed the connection.'), {
      code: 'PROTOCOL_CONNECTION_LOST',
      fatal: true,
    });

  it.each(['cause', 'originalError', 'nativeError', 'original', 'parent'])('looks through %s', (key) => {
    const wrapper = Object.assign(new Error('wrapped'), { [key]: driverError() });
    expect(classify(wrapper).kind).toBe('connection-lost');
    const twice = new Error('outer', { cause: wrapper });
    expect(classify(twice).kind).toBe('connection-lost');
  });

  it('looks into AggregateError (Node happy-eyeballs connect errors)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:3306'), { code: 'ECONNREFUSED' });
    expect(classify(new AggregateError([refused], '')).kind).toBe('connect-failed');
  });

  it('prefers the outermost error that the table knows', () => {
    const outer = Object.assign(new Error('deadlock'), { errno: 1213, cause: driverError() });
    expect(classify(outer).kind).toBe('deadlock');
  });

  it('stops at a bounded depth', () => {
    let err: unknown = driverError();
    for (let i = 0; i < 50; i++) err = { cause: err };
    expect(classify(err).kind).toBe('not-connection-related');
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { message: 'a' };
    const b: Record<string, unknown> = { message: 'b', cause: a };
    a.cause = b;
    a.originalError = a;
    expect(classify(a).kind).toBe('not-connection-related');
    b.nativeError = driverError();
    expect(classify(a).kind).toBe('connection-lost');
  });

  it('reuses the classification a goneaway error carries', () => {
    const carried = {
      code: 'GONEAWAY_CONNECTION_LOST',
      classification: {
        kind: 'killed',
        sent: 'maybe',
        connection: 'dispose',
        retry: 'if-idempotent',
        errno: 1927,
      },
    };
    expect(classify(carried)).toMatchObject({ kind: 'killed', errno: 1927, hint: KIND_HINTS.killed });
    const forged = {
      code: 'GONEAWAY_CONNECTION_LOST',
      classification: { kind: 'pwned' },
      cause: driverError(),
    };
    expect(classify(forged).kind).toBe('connection-lost');
  });

  it('falls back on the SQLSTATE, then on fatal', () => {
    expect(classify({ sqlState: '08S01' }).kind).toBe('connection-lost');
    expect(classify({ sqlState: '40001', errno: 9999 }).kind).toBe('deadlock');
    expect(classify({ code: 'PROTOCOL_PACKETS_OUT_OF_ORDER', fatal: true })).toMatchObject({
      kind: 'connection-lost',
      connection: 'dispose',
      code: 'PROTOCOL_PACKETS_OUT_OF_ORDER',
    });
    expect(classify({ code: 'HANDSHAKE_UNKNOWN_ERROR', fatal: true, syscall: 'connect' }).kind).toBe(
      'connect-failed',
    );
  });
});

describe('classify never throws', () => {
  const hostile: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a bigint', 10n],
    ['a symbol', Symbol('x')],
    ['a boolean', true],
    ['a function', () => 1],
    ['an empty object', {}],
    ['an array', [1, 2]],
    ['a string', 'ECONNRESET'],
    [
      'throwing getters',
      Object.defineProperties(
        {},
        Object.fromEntries(
          [
            'code',
            'errno',
            'message',
            'cause',
            'fatal',
            'sqlState',
            'syscall',
            'errors',
            'classification',
          ].map((key) => [
            key,
            {
              get() {
                throw new Error('boom');
              },
            },
          ]),
        ),
      ),
    ],
    [
      'a throwing Proxy',
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
          has() {
            throw new Error('trap');
          },
        },
      ),
    ],
    [
      'a revoked Proxy',
      (() => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      })(),
    ],
    [
      'a Proxy whose errors is a revoked array Proxy',
      (() => {
        const { proxy, revoke } = Proxy.revocable([], {});
        revoke();
        return { errors: proxy };
      })(),
    ],
    [
      'wrong types everywhere',
      { code: { toString: () => 'ECONNRESET' }, errno: '2006', fatal: 'yes', message: 5 },
    ],
    [
      'a Symbol.toPrimitive bomb',
      {
        code: {
          [Symbol.toPrimitive]: () => {
            throw new Error('x');
          },
        },
      },
    ],
    ['NaN errno', { errno: Number.NaN }],
    ['negative errno', { errno: -104 }],
    ['a giant code', { code: 'E'.repeat(1_000_000) }],
  ];

  it.each(hostile)('%s', (_label, value) => {
    const classification = classify(value);
    expect(ERROR_KINDS).toContain(classification.kind);
    expect(typeof classification.hint).toBe('string');
  });

  it('reads only bounded parts of a huge message', () => {
    const huge = `insert into t values (X'${'ab'.repeat(16 * 1024 * 1024)}') - Can't add new command when connection is in closed state`;
    const started = performance.now();
    const classification = classify({ message: huge, fatal: true });
    const elapsed = performance.now() - started;
    expect(classification.sent).toBe('no');
    // Generous: a full scan of 32 MB would still pass, a quadratic one would not.
    expect(elapsed).toBeLessThan(2000);
  });

  it('returns frozen results', () => {
    expect(Object.isFrozen(classify({ errno: 1213 }))).toBe(true);
    expect(Object.isFrozen(classify(undefined))).toBe(true);
  });
});

describe('markConnectPhase', () => {
  it('turns a socket lost during the handshake into a connect failure (nothing was sent)', () => {
    const lost = { code: 'PROTOCOL_CONNECTION_LOST', fatal: true, message: 'Connection lost' };
    expect(classify(lost)).toMatchObject({ kind: 'connection-lost', sent: 'maybe' });
    expect(classify(markConnectPhase({ ...lost }))).toMatchObject({
      kind: 'connect-failed',
      sent: 'no',
      retry: 'safe',
    });
    const reset = { code: 'ECONNRESET', syscall: 'read', fatal: true, message: 'read ECONNRESET' };
    expect(classify(markConnectPhase(reset))).toMatchObject({ kind: 'connect-failed', sent: 'no' });
  });

  it('leaves primitives and frozen errors alone and still classifies them', () => {
    expect(markConnectPhase('boom')).toBe('boom');
    const frozen = Object.freeze({ code: 'ECONNRESET', syscall: 'read', message: 'read ECONNRESET' });
    expect(classify(markConnectPhase(frozen)).kind).toBe('connection-lost');
  });
});
