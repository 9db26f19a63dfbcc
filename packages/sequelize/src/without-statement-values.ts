import { isGoneAwayError } from '@goneaway/core';

type Callback = (error: unknown, ...results: unknown[]) => void;

/** What the seal needs of a connection the wrapped mysql2 made (its own query/execute, goneaway's). */
export interface StatementRunner {
  query(...args: unknown[]): unknown;
  execute(...args: unknown[]): unknown;
}

/**
 * Sequelize's mysql Query.run puts the statement and its bound values on the driver's error
 * (`error.sql = sql; error.parameters = parameters`, lib/dialects/mysql/query.js) and its
 * DatabaseError copies both: a 2 MB BLOB, or the values Sequelize formatted into the SQL for
 * `replacements`, would ride on the error the application logs. On a goneaway error (whose
 * `statement` is the SQL shape and whose message names it) both assignments are dropped; the
 * statement is kept in `statements` for goneaway's own retry decision.
 */
export function withoutStatementValues<C extends StatementRunner>(
  connection: C,
  statements: WeakMap<object, string>,
): C {
  const seal = (error: unknown): unknown => {
    if (!isGoneAwayError(error) || Object.hasOwn(error, 'sql')) return error;
    Object.defineProperty(error, 'sql', {
      get: () => undefined,
      set: (sql: unknown) => {
        if (typeof sql === 'string') statements.set(error, sql);
      },
      configurable: true,
    });
    Object.defineProperty(error, 'parameters', {
      get: () => undefined,
      set: () => {},
      configurable: true,
    });
    return error;
  };
  for (const kind of ['query', 'execute'] as const) {
    const run = connection[kind];
    connection[kind] = (...args: unknown[]): unknown => {
      const last = args.at(-1);
      // Event mode (no callback) is mysql2's own: Sequelize always passes one.
      if (typeof last === 'function') {
        args[args.length - 1] = ((error, ...results) =>
          (last as Callback)(error ? seal(error) : error, ...results)) as Callback;
      }
      return run.apply(connection, args);
    };
  }
  return connection;
}
