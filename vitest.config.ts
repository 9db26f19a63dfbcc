import { defineConfig } from 'vitest/config';

// Workspace packages expose their TypeScript sources under the `goneaway-source` export condition,
// so unit and integration tests run without a build; the packaging test imports the built tarballs.
const conditions = ['goneaway-source', 'node', 'import', 'module', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: [
            'packages/*/src/**/*.test.ts',
            'examples/**/*.unit.test.ts',
            'conformance/src/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          // Runs after the unit project, with its own worker limit (real servers on a 2-core machine).
          sequence: { groupOrder: 1 },
          include: ['test/**/*.test.ts', 'examples/**/*.int.test.ts', 'bench/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/types/**', 'test/matrix/**', 'test/cluster/**'],
          globalSetup: ['test/harness/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          // The packed packages × each supported host-library version (test/matrix/README.md): its own
          // project and server, beside the integration project; mostly npm installs, 2 at a time.
          name: 'matrix',
          sequence: { groupOrder: 1 },
          include: ['test/matrix/**/*.test.ts'],
          globalSetup: ['test/harness/src/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          pool: 'forks',
          // Projects of one groupOrder must agree on maxWorkers (vitest 4 refuses to start otherwise);
          // the matrix is one file, so it takes one worker of the group's two.
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          // Galera clusters and replication pairs (issue #17): slow to start (~30 s per cluster), so in
          // their own project beside the integration one; they start their own servers, no globalSetup.
          name: 'cluster',
          sequence: { groupOrder: 1 },
          include: ['test/cluster/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          pool: 'forks',
          // Must agree with the other groupOrder 1 projects (see the matrix project's comment).
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          name: 'types',
          sequence: { groupOrder: 2 },
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['packages/*/src/**/*.test-d.ts', 'test/types/**/*.test-d.ts'],
            tsconfig: './tsconfig.typecheck.json',
          },
        },
      },
    ],
  },
});
