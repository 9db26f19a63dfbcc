import { inject } from 'vitest';
import { ExternalMariaDBServer } from './external-mariadb-server.js';
import type { MariaDBServer } from './mariadb-server.js';
import type { ProvidedMariaDB } from './provided-mariadb.js';

const SHARED_REFUSAL =
  'the shared server belongs to the whole test run; a test that kills, stops or reconfigures a server ' +
  'must start its own with startMariaDB()';

let shared: MariaDBServer | undefined;

/**
 * The run's shared server (started by the integration globalSetup), for tests that only need a
 * database: queries and KILLs work; stop/kill/start/restart throw HarnessUnsupportedError.
 * Other test files use it at the same time: create your own tables and users, and never
 * killConnections() the application user here (that would cut other files' connections).
 */
export function sharedServer(info: ProvidedMariaDB = inject('mariadb')): MariaDBServer {
  if (shared && shared.url === info.url) return shared;
  shared = new ExternalMariaDBServer({
    url: info.url,
    adminUrl: info.adminUrl,
    controlRefusal: SHARED_REFUSAL,
    external: info.external,
  });
  return shared;
}
