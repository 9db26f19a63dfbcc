import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MariaDBServer } from '@goneaway/test-harness';
import { ConformanceError } from '../command.js';
import type { ConformanceSuite } from '../conformance-suite.js';
import { recreateDatabases } from '../database-reset.js';
import { listFiles } from '../list-files.js';

const DATABASE = 'typeorm';
const USER = 'typeorm';
const PASSWORD = 'typeorm';
const COMPILED_TESTS = 'build/compiled/test';

/**
 * test/functional is 530 files; on a shared 2-core machine one run of all of it takes far longer
 * than the other suites, so the default is the folders where a connection's life shows: the
 * DataSource, the driver, transactions, query runners, repositories and persistence.
 */
const SUBSET_FOLDERS: Readonly<Record<string, readonly string[]>> = {
  connections: [
    'functional/data-source',
    'functional/driver',
    'functional/transaction',
    'functional/query-runner',
    'functional/repository',
    'functional/persistence',
    'functional/find-options',
    'functional/sql-tag',
    'functional/errors',
  ],
  functional: ['functional'],
  all: ['functional', 'github-issues', 'other-issues'],
};

export const TYPEORM_SUBSETS: Readonly<Record<string, string>> = {
  connections: `test/functional/{${SUBSET_FOLDERS.connections!.map((folder) => folder.slice('functional/'.length)).join(',')}}`,
  functional: 'test/functional (530 files)',
  all: 'test/functional, test/github-issues, test/other-issues',
};

/**
 * TypeORM's own mocha setup (.mocharc.json: build/compiled/test/utils/test-setup.js, timeout 90 s,
 * --exit, --check-leaks) over its compiled tests, with one connection in ormconfig.json: type mysql
 * on the private server. Tests written for other drivers find no connection and pass without
 * running anything, in both runs. Installed with pnpm (TypeORM's devEngines refuse npm) from its
 * lockfile, then `tsc` (its `compile`, without gulp's clean of an empty build/).
 */
export const typeormSuite: ConformanceSuite = {
  name: 'typeorm',
  title: "TypeORM's functional tests (mocha, compiled), one ormconfig connection of type mysql",
  defaultRepo: '/work/.mirror/typeorm+typeorm/repo',
  defaultRef: '1.1.0',
  preload: 'typeorm.cjs',
  preloadInBareRun: false,
  subsets: TYPEORM_SUBSETS,
  install: 'pnpm',
  buildSteps: [['node_modules/.bin/tsc']],
  async createDatabaseObjects(server: MariaDBServer) {
    await server.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [USER, '%', PASSWORD]);
    await server.query('GRANT ALL ON *.* TO ?@? WITH GRANT OPTION', [USER, '%']);
  },
  resetDatabases: (server: MariaDBServer) => recreateDatabases(server, [DATABASE]),
  setupFiles: [],
  async specFiles({ checkoutDir, subset }) {
    const name = subset ?? 'connections';
    const folders = SUBSET_FOLDERS[name];
    if (folders === undefined) {
      throw new ConformanceError(
        `typeorm: unknown --subset "${name}"; expected one of ${Object.keys(SUBSET_FOLDERS).join(', ')}`,
      );
    }
    const files: string[] = [];
    for (const folder of folders)
      files.push(...(await listFiles(checkoutDir, `${COMPILED_TESTS}/${folder}`, '.test.js')));
    return files;
  },
  mochaArgs: () => [
    '--no-config',
    '--file',
    `${COMPILED_TESTS}/utils/test-setup.js`,
    '--timeout',
    '90000',
    '--exit',
    '--check-leaks',
    '--global',
    'allowedDriverRequire',
  ],
  async env({ checkoutDir, server }) {
    // test/utils/test-utils.ts reads ormconfig.json from the checkout's root (a local file, ignored by git).
    const connection = {
      skip: false,
      type: 'mysql',
      host: server.host,
      port: server.port,
      username: USER,
      password: PASSWORD,
      database: DATABASE,
      logging: false,
    };
    await writeFile(join(checkoutDir, 'ormconfig.json'), `${JSON.stringify([connection], null, 2)}\n`);
    return {};
  },
  runTimeoutMs: 60 * 60_000,
};
