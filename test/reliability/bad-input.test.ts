import {
  GoneAwayConfigError,
  type GoneAwayOptions,
  goneAway,
  isGoneAwayConfigError,
  withTransactionRetry,
} from '@goneaway/knex';
import knex from 'knex';
import { describe, expect, it } from 'vitest';

/**
 * Bad input at the knex entry point: every option, the config itself and the connection URL. Each is
 * refused when `goneAway()` is called, with GoneAwayConfigError naming what is wrong, before any
 * connection is attempted. (parsePolicy's own fuzz and unit tests cover the value space of each option;
 * this checks that every field is wired through goneAway() and withTransactionRetry().)
 */

const SECRET = 'Pw-9f3c-S3cret';
const config = () => ({
  client: 'mysql2' as const,
  connection: { host: '127.0.0.1', port: 1, user: 'app', password: SECRET, database: 'app' },
});

function configErrorOf(run: () => unknown): GoneAwayConfigError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a GoneAwayConfigError to be thrown').toBeInstanceOf(GoneAwayConfigError);
  return thrown as GoneAwayConfigError;
}

describe('invalid options: every field of goneAway(config, options)', () => {
  // One wrong value per option path, so a field that stopped being validated fails here by name.
  const cases: Array<[path: string, options: unknown]> = [
    ['retryReads', { retryReads: 'yes' }],
    ['retryWrites', { retryWrites: 'always' }],
    ['outageBudgetMs', { outageBudgetMs: -1 }],
    ['backoff', { backoff: 5 }],
    ['backoff.initialDelayMs', { backoff: { initialDelayMs: 0 } }],
    ['backoff.maxDelayMs', { backoff: { maxDelayMs: Number.NaN } }],
    ['backoff.initialDelayMs', { backoff: { initialDelayMs: 500, maxDelayMs: 100 } }],
    ['validation', { validation: 'fast' }],
    ['validation.bypassWindowMs', { validation: { bypassWindowMs: -1 } }],
    ['validation.pingTimeoutMs', { validation: { pingTimeoutMs: 0 } }],
    ['idleLimitMs', { idleLimitMs: 'never' }],
    ['maxLifetimeMs', { maxLifetimeMs: -5 }],
    ['packetGuard', { packetGuard: 1 }],
    ['statementTimeoutMs', { statementTimeoutMs: true }],
    ['circuitBreaker', { circuitBreaker: [] }],
    ['circuitBreaker.probeIntervalMs', { circuitBreaker: { probeIntervalMs: Number.POSITIVE_INFINITY } }],
    ['keepAliveInitialDelayMs', { keepAliveInitialDelayMs: 2 ** 31 }],
    ['evictOnReadOnly', { evictOnReadOnly: null }],
    ['connectTimeoutMs', { connectTimeoutMs: 0 }],
    ['name', { name: '' }],
    ['retryReeds', { retryReeds: true }],
    ['', 'fast'],
    ['', null],
  ];

  it.each(cases)('option %j: GoneAwayConfigError naming it, before any connection', (path, options) => {
    const error = configErrorOf(() => goneAway(config(), options as GoneAwayOptions));
    expect(error.code).toBe('GONEAWAY_CONFIG');
    expect(isGoneAwayConfigError(error)).toBe(true);
    expect(error.path).toBe(path);
    expect(error.message.length).toBeLessThan(500);
    for (const text of [error.message, String(error), JSON.stringify(error)])
      expect(text).not.toContain(SECRET);
  });

  it('covers every option goneaway documents (a new option needs a case above)', () => {
    const covered = new Set(cases.map(([path]) => path.split('.')[0]));
    const defaults = goneAway(config()); // valid: no throw
    expect(defaults.client).toBeTypeOf('function');
    for (const option of [
      'retryReads',
      'retryWrites',
      'outageBudgetMs',
      'backoff',
      'validation',
      'idleLimitMs',
      'maxLifetimeMs',
      'packetGuard',
      'statementTimeoutMs',
      'circuitBreaker',
      'keepAliveInitialDelayMs',
      'evictOnReadOnly',
      'connectTimeoutMs',
      'name',
    ] satisfies Array<keyof GoneAwayOptions>) {
      expect(covered.has(option), option).toBe(true);
    }
  });

  it.each([
    ['config', null],
    ['config', 'mysql://app@127.0.0.1/app'],
    ['client', { connection: {} }],
    ['client', { client: 'pg', connection: {} }],
    ['client', { client: class NotKnex {}, connection: {} }],
  ])('config: %j refused as %o', (path, bad) => {
    const error = configErrorOf(() => goneAway(bad as never));
    expect(error.path).toBe(path);
  });

  it('withTransactionRetry: an invalid maxAttempts is a GoneAwayConfigError, a non-knex db a TypeError', async () => {
    const db = knex(goneAway(config()));
    try {
      for (const maxAttempts of [0, -1, 1.5, Number.NaN]) {
        const error = await withTransactionRetry(db, async () => 1, { maxAttempts }).catch((e: unknown) => e);
        expect(isGoneAwayConfigError(error), String(maxAttempts)).toBe(true);
        expect((error as GoneAwayConfigError).path).toBe('maxAttempts');
      }
      expect(() => withTransactionRetry({} as never, async () => 1)).toThrow(TypeError);
      expect(() => withTransactionRetry(db, 'not a function' as never)).toThrow(TypeError);
    } finally {
      await db.destroy();
    }
  });
});

describe('connection URLs', () => {
  it('a valid URL becomes host, port, user, password and database', () => {
    const built = goneAway({ client: 'mysql2', connection: `mysql://app:${SECRET}@127.0.0.1:3999/shop` });
    expect(built.connection).toMatchObject({
      host: '127.0.0.1',
      user: 'app',
      password: SECRET,
      database: 'shop',
    });
    // knex's parser keeps the port a string; mysql2 accepts either.
    expect(Number((built.connection as unknown as { port: unknown }).port)).toBe(3999);
  });

  // knex's parseConnection turns a string `new URL` cannot parse into `{ filename: <the string> }`
  // (its sqlite fallback); mysql2 would ignore `filename` and connect to localhost:3306 with an empty
  // user, the URL and its password sitting in `connection.filename`. goneAway() refuses it instead.
  // These tests only call goneAway(): they never connect (nothing may touch the machine's 3306).
  it.each([
    ['a port out of range', `mysql://app:${SECRET}@127.0.0.1:99999/shop`],
    ['a port that is not a number', `mysql://app:${SECRET}@127.0.0.1:port/shop`],
    ['an unclosed IPv6 bracket', `mysql://app:${SECRET}@[::1/shop`],
    ['no scheme at all', `app:${SECRET}@127.0.0.1/shop`],
    ['an empty string', ''],
  ])('a malformed URL (%s) is refused by goneAway() with GoneAwayConfigError', (_what, url) => {
    const error = configErrorOf(() => goneAway({ client: 'mysql2', connection: url }));
    expect(error.path).toBe('connection');
    for (const text of [error.message, String(error), JSON.stringify(error)])
      expect(text).not.toContain(SECRET);
  });
});
