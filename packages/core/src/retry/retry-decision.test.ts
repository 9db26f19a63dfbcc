import { describe, expect, it } from 'vitest';
import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { parsePolicy } from '../policy/parse-policy.js';
import { decideRetry } from './retry-decision.js';

const defaults = parsePolicy();
const strict = parsePolicy({ retryReads: false, retryWrites: 'never' });
const read = { safety: 'read' } as const;
const write = { safety: 'write' } as const;

// Error shapes as mysql2 and Node produce them (the integration tests produce them for real).
const lostMidFlight = classify(
  Object.assign(new Error('Connection lost: The server closed the connection.'), {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
  }),
);
const refused = classify(
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
    fatal: true,
  }),
);
const closedState = classify(
  Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true }),
);
const duplicate = classify(
  Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000' }),
);
const denied = classify(
  Object.assign(new Error('Access denied'), {
    code: 'ER_ACCESS_DENIED_ERROR',
    errno: 1045,
    sqlState: '28000',
  }),
);
const deadlock = classify(
  Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK', errno: 1213, sqlState: '40001' }),
);
const tooMany = classify(
  Object.assign(new Error('Too many connections'), { code: 'ER_CON_COUNT_ERROR', errno: 1040 }),
);

describe('decideRetry', () => {
  it('reads the classifications it is given as the table says', () => {
    expect([lostMidFlight.retry, refused.retry, closedState.retry, duplicate.kind, denied.kind]).toEqual([
      'if-idempotent',
      'safe',
      'safe',
      'not-connection-related',
      'auth-failed',
    ]);
  });

  it.each<
    [string, Classification, { safety: 'read' | 'write' } | undefined, boolean, typeof defaults, string]
  >([
    ['a read lost mid-flight is retried', lostMidFlight, read, false, defaults, 'retry'],
    ['a write lost mid-flight is not', lostMidFlight, write, false, defaults, 'connection-lost'],
    [
      'a statement of unknown safety counts as a write',
      lostMidFlight,
      undefined,
      false,
      defaults,
      'connection-lost',
    ],
    ['a read lost mid-flight with retryReads off', lostMidFlight, read, false, strict, 'connection-lost'],
    ['a write that never left (connect refused)', refused, write, false, defaults, 'retry'],
    ['a write refused by a closed connection', closedState, write, false, defaults, 'retry'],
    ['a write not sent with retryWrites never', refused, write, false, strict, 'connection-lost'],
    ['a read not sent with retryWrites never', refused, read, false, strict, 'retry'],
    ['too many connections, write, retryWrites never', tooMany, write, false, strict, 'rethrow'],
    ['too many connections is retried', tooMany, write, false, defaults, 'retry'],
    ['a duplicate key', duplicate, write, false, defaults, 'rethrow'],
    ['a duplicate key on a read', duplicate, read, false, defaults, 'rethrow'],
    ['access denied', denied, read, false, defaults, 'rethrow'],
    ['a deadlock outside a transaction helper', deadlock, write, false, defaults, 'rethrow'],
    ['anything inside a transaction', refused, read, true, defaults, 'rethrow'],
    ['a lost read inside a transaction', lostMidFlight, read, true, defaults, 'rethrow'],
  ])('%s → %s', (_name, classification, statement, inTransaction, policy, expected) => {
    expect(decideRetry(classification, statement, inTransaction, policy)).toBe(expected);
  });
});
