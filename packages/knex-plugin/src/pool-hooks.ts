import type { KnexPoolConfig, Mysql2Connection } from './knex-internals.js';
import type { KnexPluginInstance } from './plugin-instance.js';

type AfterCreate = (connection: unknown, done: (error: unknown, connection?: unknown) => void) => void;
type Validate = (connection: unknown) => boolean | Promise<boolean>;

export interface PoolHooks {
  readonly afterCreate: AfterCreate;
  readonly validate: Validate;
}

/**
 * knex takes `afterCreate` and `validate` out of `pool` before handing the rest to tarn
 * (client.js, getPoolSettings), so these two are the only hooks goneaway composes there, per client
 * (goneaway-client.ts): `pool` itself is never modified. goneaway's part runs first; the user's runs
 * after it with its errors surfaced as before: an afterCreate error fails the connect, a validate
 * throw is logged by knex and counts as false. `instanceOf` is read when a hook runs: knex builds its
 * pool settings inside the client's constructor, before the instance is attached to it.
 */
export function composePoolHooks(
  pool: KnexPoolConfig | undefined,
  instanceOf: () => KnexPluginInstance,
): PoolHooks {
  const userAfterCreate = pool?.afterCreate as AfterCreate | undefined;
  const userValidate = pool?.validate as Validate | undefined;

  const afterCreate: AfterCreate = (connection, done) => {
    instanceOf()
      .onConnectionCreated(connection as Mysql2Connection)
      .then(
        () => {
          if (userAfterCreate) userAfterCreate(connection, done);
          else done(null, connection);
        },
        (error: unknown) => done(error, connection),
      );
  };

  // knex awaits validate on every acquire: without a user validate, goneaway's answer is passed
  // through as it is (a plain boolean unless a ping is due), with no extra async layer.
  const validate: Validate = userValidate
    ? async (connection) => {
        if (!(await instanceOf().validate(connection as Mysql2Connection))) return false;
        return userValidate(connection);
      }
    : (connection) => instanceOf().validate(connection as Mysql2Connection);

  return { afterCreate, validate };
}
