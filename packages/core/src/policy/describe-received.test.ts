import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configErrorAt } from '../errors/config-error-at.js';
import { describeReceived } from './describe-received.js';

describe('describeReceived', () => {
  it.each([
    [-5, '-5'],
    [-0, '-0'],
    [1.5, '1.5'],
    [Number.NaN, 'NaN'],
    [true, 'true'],
    [undefined, 'undefined'],
    [null, 'null'],
    [10n, 'a bigint (use a number)'],
    [Symbol('s'), 'a symbol'],
    [() => 1, 'a function'],
    [[], 'an array of 0 items'],
    [[1], 'an array of 1 item'],
    [{ password: 'x' }, 'an object'],
    [Object.create(null), 'an object'],
    ['', 'an empty string'],
    [' 5000 ', 'a string that holds a number (pass the number itself)'],
    ['postgres', 'a string of 8 characters'],
    ['x', 'a string of 1 character'],
    ['mysql://app:pw@db/app', 'a URL of 21 characters (not shown: it may hold a password)'],
    ['app:pw@db', 'a connection string of 9 characters (not shown: it may hold a password)'],
    ['Server=db;Password=pw', 'a connection string of 21 characters (not shown: it may hold a password)'],
    ['host=db pwd = pw', 'a connection string of 16 characters (not shown: it may hold a password)'],
  ])('describes %o as %s', (value, expected) => {
    expect(describeReceived(value)).toBe(expected);
  });

  it('echoes a string only when it is exactly one of the words the caller knows', () => {
    const words = ['postgres', 'sqlite'];
    expect(describeReceived('postgres', words)).toBe("'postgres'");
    expect(describeReceived('Postgres', words)).toBe('a string of 8 characters');
    expect(describeReceived('postgres://u:pw@h/db', words)).toContain('a URL of');
    expect(describeReceived(5, words)).toBe('5');
  });

  it('never throws, whatever the value', () => {
    // Array.isArray throws on a revoked proxy.
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(describeReceived(proxy)).toBe('a value that cannot be inspected');
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withNullPrototype: true, withObjectString: true }),
        (value) => {
          expect(typeof describeReceived(value)).toBe('string');
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** A password as users set them: at least 6 characters with letters in it (a shorter one would match the message's own words). */
const password = fc
  .string({ minLength: 6, maxLength: 40 })
  .filter((s) => /[a-z]{3}/i.test(s) && s.trim() === s && !/^[+-]?\d/.test(s));

/** Every shape a configured password travels in: bare, in a URL, in a connection string, nested. */
const withPassword = fc.oneof(
  password.map((secret) => ({ secret, value: secret as unknown })),
  password.map((secret) => ({ secret, value: `mysql://app:${secret}@db:3306/app` as unknown })),
  password.map((secret) => ({
    secret,
    value: `mariadb://app:${encodeURIComponent(secret)}@db/app` as unknown,
  })),
  password.map((secret) => ({ secret, value: `app:${secret}@db` as unknown })),
  password.map((secret) => ({ secret, value: `Server=db;User=app;Password=${secret};` as unknown })),
  password.map((secret) => ({ secret, value: `host=db user=app password=${secret}` as unknown })),
  password.map((secret) => ({ secret, value: `jdbc:mysql://db/app?user=app&password=${secret}` as unknown })),
  password.map((secret) => ({ secret, value: { host: 'db', password: secret } as unknown })),
  password.map((secret) => ({ secret, value: [`mysql://app:${secret}@db`] as unknown })),
);

describe('describeReceived (fuzzed): no configured password ever appears', () => {
  it('in the description or in the config error built from it', () => {
    const knownWords = ['mysql', 'mariadb', 'postgres', 'sqlite'];
    fc.assert(
      fc.property(withPassword, ({ secret, value }) => {
        fc.pre(!knownWords.includes(secret));
        const described = describeReceived(value, knownWords);
        expect(described).not.toContain(secret);
        expect(described).not.toContain(encodeURIComponent(secret));
        const error = configErrorAt('dataSourceOptions.type', "'mysql' or 'mariadb'", described);
        expect(error.message).not.toContain(secret);
        expect(JSON.stringify(error)).not.toContain(secret);
        expect(String(error)).not.toContain(secret);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('configErrorAt', () => {
  it('is a GoneAwayConfigError of one issue at the path', () => {
    const error = configErrorAt(
      'sequelizeOptions.dialect',
      "'mysql'",
      describeReceived('sqlite', ['sqlite']),
    );
    expect(error.path).toBe('sequelizeOptions.dialect');
    expect(error.issues).toEqual([
      { path: 'sequelizeOptions.dialect', expected: "'mysql'", received: "'sqlite'" },
    ]);
    expect(error.message).toContain("expected 'mysql', received 'sqlite'");
  });
});
