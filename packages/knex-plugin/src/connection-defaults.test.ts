import { describe, expect, it } from 'vitest';
import { withConnectionDefaults } from './connection-defaults.js';

const parseConnection = (url: string) => {
  const parsed = new URL(url);
  return { connection: { host: parsed.hostname, password: decodeURIComponent(parsed.password) } };
};
const complete = (connection: unknown) => withConnectionDefaults(connection as never, 1234, parseConnection);

function hidden(password: string): Record<string, unknown> {
  return Object.defineProperty({ host: 'db', user: 'app' }, 'password', {
    value: password,
    enumerable: false,
  });
}

describe('withConnectionDefaults', () => {
  it("adds connectTimeout to a copy that keeps knex's non-enumerable password, leaving the user's object alone", () => {
    const settings = hidden('secret');
    const completed = complete(settings) as Record<string, unknown>;
    expect(completed).not.toBe(settings);
    expect(completed.password).toBe('secret');
    expect(Object.keys(completed)).toEqual(['host', 'user', 'connectTimeout']);
    expect(completed.connectTimeout).toBe(1234);
    expect(settings).not.toHaveProperty('connectTimeout');
  });

  it('keeps accessors, the prototype, and a frozen object works', () => {
    let reads = 0;
    const withGetter = complete({
      host: 'db',
      get password() {
        reads++;
        return `p${reads}`;
      },
    }) as Record<string, unknown>;
    expect(reads).toBe(0);
    expect(withGetter.password).toBe('p1');
    class Settings {
      host = 'db';
      get user() {
        return 'from-prototype';
      }
    }
    const fromClass = complete(new Settings()) as Record<string, unknown>;
    expect(fromClass.user).toBe('from-prototype');
    const frozen = complete(Object.freeze({ host: 'db', password: 'x' })) as Record<string, unknown>;
    expect(frozen).toMatchObject({ host: 'db', password: 'x', connectTimeout: 1234 });
  });

  it("leaves a user's connectTimeout as it is (no copy)", () => {
    const settings = { host: 'db', connectTimeout: 50 };
    expect(complete(settings)).toBe(settings);
  });

  it('completes what a provider returns, synchronously for a sync provider, with its expirationChecker', () => {
    const expirationChecker = () => false;
    const provider = function (this: unknown) {
      return Object.assign(hidden('secret'), { expirationChecker, self: this });
    };
    const completed = complete(provider) as (this: unknown) => Record<string, unknown>;
    const client = { name: 'the knex client' };
    const result = completed.call(client);
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toMatchObject({ connectTimeout: 1234, expirationChecker, self: client });
    expect(result.password).toBe('secret');
  });

  it('completes an async provider, and a URL it returns gets connectTimeout in its query string', async () => {
    const asyncProvider = complete(async () => hidden('secret')) as () => Promise<Record<string, unknown>>;
    const resolved = await asyncProvider();
    expect(resolved.password).toBe('secret');
    expect(resolved.connectTimeout).toBe(1234);
    const url = (value: string) => (complete(() => value) as () => string)();
    expect(url('mysql://u:p@db:3306/app')).toBe('mysql://u:p@db:3306/app?connectTimeout=1234');
    expect(url('mysql://u:p@db/app?ssl=true')).toBe('mysql://u:p@db/app?ssl=true&connectTimeout=1234');
    expect(url('mysql://u:p@db/app?connectTimeout=99')).toBe('mysql://u:p@db/app?connectTimeout=99');
    expect(url('not a url')).toBe('not a url');
  });

  it('parses a URL string the way knex does and completes it', () => {
    expect(complete('mysql://u:p%40ss@db:3306/app')).toEqual({
      host: 'db',
      password: 'p@ss',
      connectTimeout: 1234,
    });
  });
});
