import type { TestProject } from 'vitest/node';
import type { ProvidedMariaDB } from './provided-mariadb.js';
import { startMariaDB } from './start-mariadb.js';

/**
 * vitest globalSetup of the integration project: one shared server for the whole run (or the MYSQL_URL
 * server), provided to test files as `inject('mariadb')` / sharedServer(). Started with the default
 * options, so its wait_timeout and packet limits are MariaDB's own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startMariaDB();
  const provided: ProvidedMariaDB = {
    url: server.url,
    adminUrl: server.adminUrl,
    connection: server.connection,
    adminConnection: server.adminConnection,
    port: server.port,
    canControl: server.canControl,
    external: server.external,
  };
  project.provide('mariadb', provided);
  return () => server.destroy();
}
