import { GoneAwayConfigError } from '@goneaway/core';
import { configErrorOf } from '@goneaway/core/test-fixtures';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { assertCallbackMysql2Module, type CallbackMysql2Use } from './assert-callback-mysql2-module.js';

const typeorm: CallbackMysql2Use = {
  path: 'dataSourceOptions.driver',
  library: 'TypeORM',
  factories: ['createPool'],
};
const sequelize: CallbackMysql2Use = {
  path: 'sequelizeOptions.dialectModule',
  library: 'Sequelize',
  factories: ['createConnection', 'createPool'],
};

describe('assertCallbackMysql2Module', () => {
  it('accepts the callback mysql2 module, and a module with the factories the library calls', () => {
    expect(() => assertCallbackMysql2Module(mysql2, typeorm)).not.toThrow();
    expect(() => assertCallbackMysql2Module(mysql2, sequelize)).not.toThrow();
    expect(() => assertCallbackMysql2Module({ createPool: () => ({}) }, typeorm)).not.toThrow();
  });

  it.each([typeorm, sequelize])(
    'refuses mysql2/promise for $library, naming what was given, what is expected and the import that fixes it',
    (use) => {
      const error = configErrorOf(() => assertCallbackMysql2Module(mysql2Promise, use));
      expect(error.path).toBe(use.path);
      expect(error.issues[0]!.received).toBe('the mysql2/promise module');
      expect(error.message).toContain(
        `the callback mysql2 module, as ${use.library} calls mysql2 with callbacks`,
      );
      expect(error.message).toContain("import mysql2 from 'mysql2', not from 'mysql2/promise'");
    },
  );

  it('refuses an object without the factories the library calls, naming them', () => {
    const error = configErrorOf(() => assertCallbackMysql2Module({ createPool: () => ({}) }, sequelize));
    expect(error.path).toBe('sequelizeOptions.dialectModule');
    expect(error.issues[0]!.received).toBe('an object without createConnection');
    expect(error.message).toContain("the mysql2 module (import mysql2 from 'mysql2')");
    expect(error.message).toContain('or nothing for the mysql2 installed beside Sequelize');
    expect(configErrorOf(() => assertCallbackMysql2Module({}, sequelize)).issues[0]!.received).toBe(
      'an object without createConnection or createPool',
    );
  });

  it.each([
    [null, 'null'],
    [42, '42'],
    [[mysql2], 'an array of 1 item'],
    ['mysql://app:hunter2@db/app', 'a URL of 26 characters (not shown: it may hold a password)'],
  ])('describes %o without echoing a string', (value, received) => {
    const error = configErrorOf(() => assertCallbackMysql2Module(value, typeorm));
    expect(error).toBeInstanceOf(GoneAwayConfigError);
    expect(error.issues[0]!.received).toBe(received);
    expect(error.message).not.toContain('hunter2');
  });
});
