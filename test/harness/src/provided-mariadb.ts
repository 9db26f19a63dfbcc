import type { ConnectionInfo } from './mariadb-server.js';

/** What the integration globalSetup shares with every test file about the run's shared server. */
export interface ProvidedMariaDB {
  readonly url: string;
  readonly adminUrl: string;
  readonly connection: ConnectionInfo;
  readonly adminConnection: ConnectionInfo;
  readonly port: number;
  /** False when the run uses MYSQL_URL: tests cannot start, kill or reconfigure servers. */
  readonly canControl: boolean;
  readonly external: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    mariadb: ProvidedMariaDB;
  }
}
