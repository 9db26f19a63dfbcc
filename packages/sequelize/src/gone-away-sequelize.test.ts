import { type GoneAwayConfigError, isGoneAwayConfigError } from '@goneaway/core';
import { configErrorOf } from '@goneaway/core/test-fixtures';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { describe, expect, it, vi } from 'vitest';
import { goneAwaySequelize } from './gone-away-sequelize.js';
import { goneAwayOfDialectModule } from './sequelize-goneaway.js';

/** What beforeConnect is given as `this`: a Sequelize instance with a connection manager of fakes. */
function fakeSequelize(dialect = 'mysql') {
  const manager = {
    connect: vi.fn(async (_config: unknown) => ({})),
    getConnection: vi.fn(async () => ({})),
    releaseConnection: vi.fn(),
    destroyConnection: vi.fn(async () => undefined),
  };
  const original = { ...manager };
  return { sequelize: { config: {}, connectionManager: manager, getDialect: () => dialect }, original };
}

describe('goneAwaySequelize', () => {
  it("returns the same options with goneaway's dialectModule, pool check, retry and hook, without touching the input", () => {
    const input = {
      dialect: 'mysql' as const,
      host: 'db',
      port: 3306,
      username: 'app',
      pool: { max: 7, idle: 5_000 },
      logging: false,
    };
    const options = goneAwaySequelize(input);
    expect(options).toMatchObject({
      dialect: 'mysql',
      host: 'db',
      port: 3306,
      username: 'app',
      logging: false,
    });
    expect(options.pool).toMatchObject({ max: 7, idle: 5_000 });
    expect(typeof options.pool.validate).toBe('function');
    expect(goneAwayOfDialectModule(options.dialectModule)).toBeDefined();
    // mysql2's own exports (format, escape, types…) stay on the module Sequelize gets.
    expect((options.dialectModule as typeof mysql2).format).toBe(mysql2.format);
    expect(options.retry.max).toBe(5);
    expect(options.retry.match).toHaveLength(1);
    expect(options.retry.backoffBase).toBe(0);
    expect(typeof options.hooks.beforeConnect).toBe('function');
    expect(input).not.toHaveProperty('dialectModule');
    expect(input.pool).not.toHaveProperty('validate');
    expect(goneAwaySequelize({}).dialect).toBe('mysql');
    expect(goneAwaySequelize(input).dialectModule).not.toBe(options.dialectModule);
  });

  it('keeps your retry options but its match: max, backoff, timeout, report', () => {
    const report = vi.fn();
    const options = goneAwaySequelize({ retry: { max: 2, backoffBase: 50, timeout: 9_000, report } });
    expect(options.retry).toMatchObject({ max: 2, backoffBase: 50, timeout: 9_000 });
    options.retry.report('Trying #1', { $current: 1 });
    expect(report).toHaveBeenCalledWith('Trying #1', { $current: 1 }, undefined);
  });

  it('takes a mysql2 module passed as dialectModule and wraps that one', () => {
    const createConnection = vi.fn(() => {
      throw new Error('no server here');
    });
    const options = goneAwaySequelize({ dialectModule: { createConnection, createPool: () => ({}) } });
    expect(() =>
      (options.dialectModule as { createConnection(config: unknown): unknown }).createConnection({
        host: 'db',
      }),
    ).toThrow('no server here');
    expect(createConnection).toHaveBeenCalledWith(expect.objectContaining({ host: 'db' }));
  });

  it('runs your pool.validate first: false is final; then goneaway checks the connection', () => {
    const validate = vi.fn((connection?: unknown) => (connection as { ok: boolean }).ok);
    const options = goneAwaySequelize({ pool: { validate } });
    expect(options.pool.validate({ ok: false })).toBe(false);
    // Not one of goneaway's connections, but alive: handed out.
    expect(options.pool.validate({ ok: true, stream: {} })).toBe(true);
    // Dead (mysql2 closed it): not handed out, whatever your check said.
    expect(options.pool.validate({ ok: true, _closing: true, stream: { destroyed: true } })).toBe(false);
    expect(options.pool.validate({ ok: true, _protocolError: new Error('x'), stream: {} })).toBe(false);
    expect(validate).toHaveBeenCalledTimes(4);
  });

  it("beforeConnect adopts the instance's connection manager once, then runs your own hooks in order with the instance as this", async () => {
    const calls: string[] = [];
    const options = goneAwaySequelize({
      hooks: {
        beforeConnect: [
          function (this: unknown) {
            calls.push(`first ${this === sequelize}`);
          },
          async () => {
            calls.push('second');
          },
        ],
      },
    });
    const { sequelize, original } = fakeSequelize();
    await options.hooks.beforeConnect.call(sequelize, { host: 'db' });
    await options.hooks.beforeConnect.call(sequelize, { host: 'db' });
    expect(calls).toEqual(['first true', 'second', 'first true', 'second']);
    for (const method of ['connect', 'getConnection', 'releaseConnection'] as const) {
      expect(sequelize.connectionManager[method]).not.toBe(original[method]);
    }
    expect(sequelize.connectionManager.destroyConnection).toBe(original.destroyConnection);
    // Its connect is Sequelize's own, through the reconnect gate.
    const connection = await sequelize.connectionManager.connect({ host: 'db' });
    expect(original.connect).toHaveBeenCalledWith({ host: 'db' });
    expect(connection).toEqual({});
  });

  it("beforeConnect refuses an instance whose URL chose another dialect (new Sequelize('mariadb://…', options))", async () => {
    const options = goneAwaySequelize({});
    const { sequelize } = fakeSequelize('mariadb');
    const error = await options.hooks.beforeConnect.call(sequelize, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isGoneAwayConfigError(error)).toBe(true);
    expect((error as GoneAwayConfigError).path).toBe('dialect');
  });

  it.each([
    ['not an object', null, 'sequelizeOptions'],
    ['an array', [], 'sequelizeOptions'],
    ['another dialect', { dialect: 'postgres' }, 'sequelizeOptions.dialect'],
    ['the mariadb dialect', { dialect: 'mariadb' }, 'sequelizeOptions.dialect'],
    ['a dialectModulePath', { dialectModulePath: '/opt/mysql2' }, 'sequelizeOptions.dialectModulePath'],
    ['replication', { replication: { read: [], write: {} } }, 'sequelizeOptions.replication'],
    ['a pool that is not an object', { pool: 5 }, 'sequelizeOptions.pool'],
    [
      'a pool.validate that is not a function',
      { pool: { validate: true } },
      'sequelizeOptions.pool.validate',
    ],
    ['a retry that is not an object', { retry: 3 }, 'sequelizeOptions.retry'],
    ['a retry.match', { retry: { max: 3, match: [/ECONNRESET/] } }, 'sequelizeOptions.retry.match'],
    ['hooks that are not an object', { hooks: [] }, 'sequelizeOptions.hooks'],
    [
      'a beforeConnect that is not a function',
      { hooks: { beforeConnect: 'x' } },
      'sequelizeOptions.hooks.beforeConnect',
    ],
    ['a dialectModule that is not mysql2', { dialectModule: {} }, 'sequelizeOptions.dialectModule'],
    ['mysql2/promise as dialectModule', { dialectModule: mysql2Promise }, 'sequelizeOptions.dialectModule'],
  ])('rejects %s with a GoneAwayConfigError naming it', (_, input, path) => {
    const error = configErrorOf(() => goneAwaySequelize(input as never));
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
  });

  it('says why the mariadb dialect is refused: it drives the mariadb connector, and the mysql dialect talks to MariaDB', () => {
    const error = configErrorOf(() => goneAwaySequelize({ dialect: 'mariadb' }));
    expect(error.message).toContain('mariadb connector');
    expect(error.message).toContain('talks to MariaDB servers too');
  });

  it("refuses Sequelize's replication beside goneaway's cluster and names what to use instead: a second instance with role 'reader'", () => {
    const error = configErrorOf(() =>
      goneAwaySequelize(
        { replication: { read: [{ host: '10.0.0.2' }], write: { host: '10.0.0.1' } } },
        {
          cluster: {
            hosts: ['10.0.0.1:3306', '10.0.0.2:3306'],
            flavor: 'replication',
            readers: { enabled: true },
          },
          role: 'reader',
        },
      ),
    );
    expect(error.path).toBe('sequelizeOptions.replication');
    expect(error.message).toContain("role: 'reader'");
  });

  it('accepts replication: false (Sequelize’s own “no replication”)', () => {
    expect(goneAwaySequelize({ replication: false }).dialect).toBe('mysql');
  });

  it('rejects options it already returned (applied twice)', () => {
    const once = goneAwaySequelize({ dialect: 'mysql' });
    // Its own retry.match would be refused first: apply it to what the user wrote, once.
    const { retry: _retry, ...withoutRetry } = once;
    expect(configErrorOf(() => goneAwaySequelize(withoutRetry)).message).toContain('apply it once');
    expect(configErrorOf(() => goneAwaySequelize(once)).path).toBe('sequelizeOptions.retry.match');
  });

  it('rejects invalid goneaway options at once, naming the option', () => {
    const error = configErrorOf(() => goneAwaySequelize({ dialect: 'mysql' }, { outageBudgetMs: -1 }));
    expect(error.path).toBe('outageBudgetMs');
  });

  it('never echoes a string it rejects, short or long (it may be a URL with a password)', () => {
    for (const secret of [
      'mysql://app:hunter2@db/app',
      'mysql://app:hunter2-very-secret-password@db/app-and-more-characters',
      'hunter2',
    ]) {
      for (const input of [{ dialect: secret }, { dialectModulePath: secret }]) {
        const error = configErrorOf(() => goneAwaySequelize(input));
        expect(error.message).not.toContain('hunter2');
        expect(JSON.stringify(error)).not.toContain('hunter2');
      }
    }
  });

  it("names another of Sequelize's dialects, which is no secret", () => {
    expect(configErrorOf(() => goneAwaySequelize({ dialect: 'postgres' })).message).toContain(
      "received 'postgres'",
    );
  });
});
