import type { MariaDBServer } from '@goneaway/test-harness';

export type SuiteName = 'knex' | 'kysely' | 'typeorm';
export const SUITE_NAMES: readonly SuiteName[] = ['knex', 'kysely', 'typeorm'];

/** What a suite needs to know to run the host's tests: where things are and what was chosen. */
export interface SuiteContext {
  /** The host library's checkout (in the cache dir). */
  readonly checkoutDir: string;
  /** A folder of the cache dir for generated config files, logs and results of this suite. */
  readonly workDir: string;
  readonly server: MariaDBServer;
  /** The subset name chosen with --subset (undefined: the suite's default). */
  readonly subset: string | undefined;
}

/**
 * One host library's own test suite: how to build it after `npm install`, which database objects
 * its tests expect, which mocha spec files run (in order) and with which arguments and environment.
 * The runner is always the host's own mocha, with conformance's NDJSON reporter.
 */
export interface ConformanceSuite {
  readonly name: SuiteName;
  /** What runs, for reports: "knex's test/integration + test/integration2, mysql2 dialect". */
  readonly title: string;
  /** The bare git mirror used when --repo is not given. */
  readonly defaultRepo: string;
  readonly defaultRef: string;
  /** The preload (in conformance/preload/, loaded with `node --require`) that wraps the host library with goneaway. */
  readonly preload: string;
  /**
   * Also preload it in the bare run (GONEAWAY_CONFORMANCE_MODE=bare), for suites whose connection
   * settings are hard-coded and must be retargeted at the private server in both runs.
   */
  readonly preloadInBareRun: boolean;
  /** Named subsets of the spec files (--subset); the first one is the default. */
  readonly subsets?: Readonly<Record<string, string>>;
  /** How its dependencies are installed: npm by default; pnpm from its own lockfile where it refuses npm. */
  readonly install?: 'npm' | 'pnpm';
  /** Commands run in the checkout after the install (e.g. a TypeScript build). */
  readonly buildSteps: readonly (readonly string[])[];
  /** Creates the users and databases the host's tests expect (once per server). */
  createDatabaseObjects(server: MariaDBServer): Promise<void>;
  /** Gives each run the same starting state: drops and recreates the test databases. */
  resetDatabases(server: MariaDBServer): Promise<void>;
  /** Spec files (relative to the checkout) in the order mocha loads them. */
  specFiles(context: SuiteContext): Promise<readonly string[]>;
  /** Spec files loaded in every run, reruns included (root hooks, setup). */
  readonly setupFiles: readonly string[];
  /** mocha arguments other than the reporter and the spec files. */
  mochaArgs(context: SuiteContext): readonly string[];
  /** Environment for both runs (connection settings, dialect selection). */
  env(context: SuiteContext): Promise<Readonly<Record<string, string>>>;
  /** How long one whole run may take before it is killed. */
  readonly runTimeoutMs: number;
}
