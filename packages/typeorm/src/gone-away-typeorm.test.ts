import { GoneAwayConfigError } from '@goneaway/core';
import { configErrorOf } from '@goneaway/core/test-fixtures';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { describe, expect, it, vi } from 'vitest';
import { goneAwayTypeorm } from './gone-away-typeorm.js';
import { isGoneAwayTypeormDriver } from './typeorm-driver.js';

describe('goneAwayTypeorm', () => {
  it("returns the same options with goneaway's driver and connectorPackage 'mysql2', without touching the input", () => {
    const input = { type: 'mariadb' as const, host: 'db', port: 3306, username: 'app', entities: [] };
    const options = goneAwayTypeorm(input);
    expect(options).toMatchObject({
      type: 'mariadb',
      host: 'db',
      port: 3306,
      username: 'app',
      connectorPackage: 'mysql2',
    });
    expect(options.entities).toBe(input.entities);
    expect(isGoneAwayTypeormDriver(options.driver)).toBe(true);
    expect(input).not.toHaveProperty('driver');
    // mysql2's own exports (format, escape…) stay on the driver TypeORM gets.
    expect(options.driver.format).toBe(mysql2.format);
    expect(goneAwayTypeorm({ type: 'mysql' }).driver).not.toBe(options.driver);
  });

  it('takes a mysql2 module passed as driver and wraps that one', () => {
    const createPool = vi.fn(() => ({}));
    const options = goneAwayTypeorm({ type: 'mysql', driver: { createPool } });
    // Not a real pool: wrapMysql2 says so, after the user's own createPool was called with the config.
    expect(() => options.driver.createPool({ host: 'db' })).toThrow(GoneAwayConfigError);
    expect(createPool).toHaveBeenCalledWith(expect.objectContaining({ host: 'db' }));
  });

  it.each([
    ['not an object', null, 'dataSourceOptions'],
    ['an array', [], 'dataSourceOptions'],
    ['another database type', { type: 'postgres' }, 'dataSourceOptions.type'],
    ['no type', { host: 'db' }, 'dataSourceOptions.type'],
    [
      'the mysql connector package',
      { type: 'mysql', connectorPackage: 'mysql' },
      'dataSourceOptions.connectorPackage',
    ],
    [
      'replication',
      { type: 'mysql', replication: { master: {}, slaves: [] } },
      'dataSourceOptions.replication',
    ],
    ['a driver that is not mysql2', { type: 'mysql', driver: {} }, 'dataSourceOptions.driver'],
    ['mysql2/promise as driver', { type: 'mysql', driver: mysql2Promise }, 'dataSourceOptions.driver'],
  ])('rejects %s with a GoneAwayConfigError naming it', (_, input, path) => {
    const error = configErrorOf(() => goneAwayTypeorm(input as never));
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
  });

  it("refuses TypeORM's replication option and names what to use instead: a second DataSource with role 'reader'", () => {
    const error = configErrorOf(() =>
      goneAwayTypeorm(
        { type: 'mysql', replication: { master: {}, slaves: [{}] } },
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
    expect(error.path).toBe('dataSourceOptions.replication');
    expect(error.message).toContain("role: 'reader'");
  });

  it('rejects options it already returned (applied twice)', () => {
    const once = goneAwayTypeorm({ type: 'mysql' });
    expect(configErrorOf(() => goneAwayTypeorm(once)).message).toContain('apply it once');
  });

  it('rejects invalid goneaway options at once, naming the option', () => {
    const error = configErrorOf(() => goneAwayTypeorm({ type: 'mysql' }, { outageBudgetMs: -1 }));
    expect(error.path).toBe('outageBudgetMs');
  });

  it('never echoes a string it rejects, short or long (it may be a URL with a password)', () => {
    for (const secret of [
      'mysql://app:hunter2@db/app',
      'mysql://app:hunter2-very-secret-password@db/app-and-more-characters',
      'hunter2',
    ]) {
      for (const input of [{ type: secret }, { type: 'mysql', connectorPackage: secret }]) {
        const error = configErrorOf(() => goneAwayTypeorm(input as never));
        expect(error.message).not.toContain('hunter2');
        expect(JSON.stringify(error)).not.toContain('hunter2');
      }
    }
    expect(
      configErrorOf(() => goneAwayTypeorm({ type: 'mysql://app:hunter2@db/app' } as never)).message,
    ).toContain('received a URL of 26 characters (not shown: it may hold a password)');
  });

  it("names another of TypeORM's database types, which is no secret", () => {
    expect(configErrorOf(() => goneAwayTypeorm({ type: 'postgres' } as never)).message).toContain(
      "expected 'mysql' or 'mariadb', received 'postgres'",
    );
  });
});
