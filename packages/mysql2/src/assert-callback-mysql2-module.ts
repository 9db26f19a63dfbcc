import { configErrorAt, describeReceived } from '@goneaway/core/adapter';

/** The callback mysql2 module's factories a host library may call. */
export type Mysql2Factory = 'createPool' | 'createConnection';

export interface CallbackMysql2Use {
  /** Where the module was given, e.g. `dataSourceOptions.driver`. */
  readonly path: string;
  /** The library that calls it (`TypeORM`, `Sequelize`): named in the message. */
  readonly library: string;
  /** The factories that library calls, each required to be a function. */
  readonly factories: readonly Mysql2Factory[];
}

/**
 * Throws GoneAwayConfigError at `use.path` unless `module` is the callback mysql2 module (`import
 * mysql2 from 'mysql2'`) with the factories `use.library` calls. `mysql2/promise` is refused by name:
 * it has the same factories, but TypeORM and Sequelize call them with callbacks, which it ignores, so
 * the first query would hang instead of failing.
 */
export function assertCallbackMysql2Module(module: unknown, use: CallbackMysql2Use): void {
  const missing = use.factories.filter(
    (name) =>
      typeof (module as Partial<Record<Mysql2Factory, unknown>> | null | undefined)?.[name] !== 'function',
  );
  if (missing.length > 0) {
    const isObject = typeof module === 'object' && module !== null && !Array.isArray(module);
    throw configErrorAt(
      use.path,
      `the mysql2 module (import mysql2 from 'mysql2'), or nothing for the mysql2 installed beside ${use.library}`,
      isObject ? `an object without ${missing.join(' or ')}` : describeReceived(module),
    );
  }
  if ('PromisePool' in (module as object)) {
    throw configErrorAt(
      use.path,
      `the callback mysql2 module, as ${use.library} calls mysql2 with callbacks: import mysql2 from 'mysql2', not from 'mysql2/promise'`,
      'the mysql2/promise module',
    );
  }
}
