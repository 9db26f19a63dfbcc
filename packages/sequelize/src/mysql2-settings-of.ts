import type { SequelizeConnectionConfig } from './sequelize-internals.js';

/**
 * The mysql2 settings Sequelize's mysql dialect connects with, from its connection config (as
 * lib/dialects/mysql/connection-manager.js builds them: `username` is mysql2's `user`, and
 * `dialectOptions` goes in as is, TLS included): what the cluster monitor's probe connections use.
 */
export function mysql2SettingsOf(config: SequelizeConnectionConfig): Record<string, unknown> {
  return {
    host: config.host,
    port: config.port,
    user: config.username,
    password: config.password,
    database: config.database,
    ...config.dialectOptions,
  };
}

/**
 * Sequelize's connection config pointed at `host`: every own property kept (a password that is not
 * enumerable too), the host and port replaced, for Sequelize's connect to use.
 */
export function routedConfig(
  config: SequelizeConnectionConfig,
  host: { readonly host: string; readonly port: number },
): SequelizeConnectionConfig {
  const descriptors = Object.getOwnPropertyDescriptors(config);
  descriptors.host = { value: host.host, enumerable: true, writable: true, configurable: true };
  descriptors.port = { value: host.port, enumerable: true, writable: true, configurable: true };
  return Object.create(
    Object.getPrototypeOf(config) as object | null,
    descriptors,
  ) as SequelizeConnectionConfig;
}
