import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MariaDBServer } from '@goneaway/test-harness';
import type { ConformanceSuite } from '../conformance-suite.js';
import { recreateDatabases } from '../database-reset.js';
import { listFiles } from '../list-files.js';

// The names knex's docker-compose gives its MySQL (scripts/docker-compose.yml): the tests' own
// fallbacks, so the private server looks like the one knex's CI uses.
const DATABASE = 'knex_test';
const USER = 'testuser';
const PASSWORD = 'testpassword';

/**
 * sqlite.spec.js and better-sqlite3.spec.js build a SQLite knex at load time whatever DB says, and
 * sqlite3's native binding is not built (`npm install --ignore-scripts`; its prebuilt binary is a
 * download): they hold SQLite tests only, nothing of the mysql2 dialect.
 */
const SQLITE_ONLY = new Set([
  'test/integration2/dialects/sqlite.spec.js',
  'test/integration2/dialects/better-sqlite3.spec.js',
]);

/**
 * knex's `test:db` script (test/mocha-integration-config-test.js: prep-db-mocha.js, the
 * integration suite, test/integration2/**\/*.spec.js) with DB=mysql2. Connection settings come
 * from the file KNEX_TEST names (test/knexfile.js and test/integration2/util/knex-instance-provider.js
 * both read its `mysql` key for the mysql2 dialect).
 */
export const knexSuite: ConformanceSuite = {
  name: 'knex',
  title: "knex's test/integration + test/integration2 (mocha), mysql2 dialect (DB=mysql2)",
  defaultRepo: '/work/.mirror/knex+knex/repo',
  defaultRef: 'HEAD',
  preload: 'knex.cjs',
  preloadInBareRun: false,
  buildSteps: [],
  async createDatabaseObjects(server: MariaDBServer) {
    await server.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
    await server.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [USER, '%', PASSWORD]);
    await server.query(`GRANT ALL PRIVILEGES ON ${DATABASE}.* TO ?@?`, [USER, '%']);
  },
  resetDatabases: (server: MariaDBServer) => recreateDatabases(server, [DATABASE]),
  setupFiles: ['test/prep-db-mocha.js'],
  async specFiles({ checkoutDir }) {
    const integration2 = (await listFiles(checkoutDir, 'test/integration2', '.spec.js')).filter(
      (file) => !SQLITE_ONLY.has(file),
    );
    return ['test/prep-db-mocha.js', 'test/integration-test-suite.js', ...integration2];
  },
  // knex's own: `mocha --exit -t 10000` (package.json test:db).
  mochaArgs: () => ['--exit', '-t', '10000'],
  async env({ server, workDir }) {
    const configFile = join(workDir, 'knex-test-config.cjs');
    const connection = {
      host: server.host,
      port: server.port,
      user: USER,
      password: PASSWORD,
      database: DATABASE,
      charset: 'utf8',
    };
    await writeFile(configFile, `module.exports = ${JSON.stringify({ mysql: connection }, null, 2)};\n`);
    return {
      DB: 'mysql2',
      KNEX_TEST: configFile,
      // The integration suite's own timeout (5 s by default): a shared 2-core machine needs more.
      KNEX_TEST_TIMEOUT: '10000',
    };
  },
  runTimeoutMs: 20 * 60_000,
};
