import type { MariaDBServer } from '@goneaway/test-harness';
import type { ConformanceSuite } from '../conformance-suite.js';
import { recreateDatabases } from '../database-reset.js';
import { listFiles } from '../list-files.js';

// kysely's test/scripts/mysql-init.sql (its docker-compose MySQL): user kysely/kysely with ALL on *.*.
const DATABASE = 'kysely_test';
const USER = 'kysely';
const PASSWORD = 'kysely';

/**
 * kysely's `test:node` (build, `tsc -p test/node`, `mocha --timeout 15000 test/node/dist/**\/*.test.js`)
 * with DIALECTS=mysql: the MysqlDialect over a mysql2 pool. test-setup.ts hard-codes
 * localhost:3308, so the preload (preload/mysql2.cjs) retargets mysql2's createPool and
 * createConnection at the private server in both runs; wrapped, it also applies wrapMysql2.
 */
export const kyselySuite: ConformanceSuite = {
  name: 'kysely',
  title: "kysely's test/node (mocha), MySQL dialect (DIALECTS=mysql) on a mysql2 pool",
  defaultRepo: '/work/.mirror/kysely-org+kysely/repo',
  defaultRef: 'HEAD',
  preload: 'mysql2.cjs',
  preloadInBareRun: true,
  // kysely's `build` without its Deno and documentation scripts, then its `test:node:build`.
  buildSteps: [['node_modules/.bin/tsc'], ['node_modules/.bin/tsc', '-p', 'test/node']],
  async createDatabaseObjects(server: MariaDBServer) {
    await server.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [USER, '%', PASSWORD]);
    await server.query('GRANT ALL ON *.* TO ?@?', [USER, '%']);
  },
  resetDatabases: (server: MariaDBServer) => recreateDatabases(server, [DATABASE]),
  setupFiles: [],
  specFiles: ({ checkoutDir }) => listFiles(checkoutDir, 'test/node/dist', '.test.js'),
  mochaArgs: () => ['--timeout', '15000', '--exit'],
  env: async () => ({ DIALECTS: 'mysql' }),
  runTimeoutMs: 30 * 60_000,
};
