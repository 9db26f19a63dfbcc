import type { MariaDBServer } from '@goneaway/test-harness';

const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys', 'goneaway']);

/**
 * Drops every database the host's tests could have made (all but the server's own and the
 * harness's) and creates `names` empty: each run starts from the same state.
 */
export async function recreateDatabases(server: MariaDBServer, names: readonly string[]): Promise<void> {
  const rows = await server.query<{ Database: string }>('SHOW DATABASES');
  for (const { Database: name } of rows) {
    if (!SYSTEM_DATABASES.has(name)) await server.query(`DROP DATABASE \`${name.replaceAll('`', '``')}\``);
  }
  for (const name of names) await server.query(`CREATE DATABASE \`${name}\``);
}
