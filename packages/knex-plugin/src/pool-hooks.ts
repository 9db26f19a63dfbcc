import type { Knex } from 'knex';
import type { Mysql2Connection } from './knex-internals.js';
import type { KnexPluginInstance } from './plugin-instance.js';

type AfterCreate = (connection: unknown, done: (error: unknown, connection?: unknown) => void) => void;
type Validate = (connection: unknown) => boolean | Promise<boolean>;

/**
 * knex takes `afterCreate` and `validate` out of `pool` before handing the rest to tarn
 * (client.js, getPoolSettings), so these two keys are the only ones goneaway may set there.
 * goneaway's part runs first; the user's runs after it with its errors surfaced as before: an
 * afterCreate error fails the connect, a validate throw is logged by knex and counts as false.
 */
export function composePoolHooks(
  pool: Knex.PoolConfig | undefined,
  instance: KnexPluginInstance,
): Knex.PoolConfig {
  const userAfterCreate = pool?.afterCreate as AfterCreate | undefined;
  const userValidate = pool?.validate as Validate | undefined;

  const afterCreate: AfterCreate = (connection, done) => {
    instance.onConnectionCreated(connection as Mysql2Connection).then(
      () => {
        if (userAfterCreate) userAfterCreate(connection, done);
        else done(null, connection);
      },
      (error: unknown) => done(error, connection),
    );
  };

  // knex awaits validate on every acquire: without a user validate, goneaway's answer is passed
  // through as it is (a plain boolean unless a ping is due), with no extra async layer.
  const validate = userValidate
    ? async (connection: unknown): Promise<boolean> => {
        if (!(await instance.validate(connection as Mysql2Connection))) return false;
        return userValidate(connection);
      }
    : (connection: unknown): boolean | Promise<boolean> => instance.validate(connection as Mysql2Connection);

  return { ...pool, afterCreate, validate };
}
