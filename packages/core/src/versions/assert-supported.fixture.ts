import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { configErrorOf } from '../errors/config-error-of.fixture.js';
import { installedPackageVersion } from './installed-package-version.js';

/**
 * Test-only (`@goneaway/core/test-fixtures`, a workspace-only entry point): the cases every adapter
 * proves about the host library versions it accepts, run through the adapter's own entry point as a
 * user calls it. The adapter's test file mocks `@goneaway/core/adapter` with fakeInstalledVersions
 * (vi.mock must be written in the test file itself) and calls describeSupportedVersions.
 */

/** The versions installedPackageVersion answers per package name, replaced per test; the real one when unset. */
const fakes = new Map<string, string | undefined>();

type InstalledPackageVersion = (name: string, from: string | URL) => string | undefined;

/**
 * `@goneaway/core/adapter` with installedPackageVersion answering the fakes a case sets:
 * `vi.mock('@goneaway/core/adapter', async (original) => fakeInstalledVersions(await original()))`.
 */
export function fakeInstalledVersions<M extends { installedPackageVersion: InstalledPackageVersion }>(
  core: M,
): M {
  return {
    ...core,
    installedPackageVersion: (name: string, from: string | URL) =>
      fakes.has(name) ? fakes.get(name) : core.installedPackageVersion(name, from),
  };
}

export interface SupportedVersionsSuite {
  /** The describe block's title, e.g. `goneAwayTypeorm and the installed TypeORM version`. */
  readonly title: string;
  /** Each host package checked, with its supported range: the package's peerDependencies must be exactly these. */
  readonly ranges: Readonly<Record<string, string>>;
  /** The adapter's entry point, called as a user would; what it returns goes to `accepted`. */
  readonly enter: () => unknown;
  /** Proves the entry point went through (e.g. `connectorPackage` is `'mysql2'`). */
  readonly accepted: (result: unknown) => void;
  /** Versions refused, each a host package and a version. */
  readonly refuses: readonly (readonly [name: string, version: string])[];
  /** Versions accepted, set for every host package at once. */
  readonly accepts: readonly string[];
  /** The adapter's package.json (`new URL('../package.json', import.meta.url)`). */
  readonly manifest: URL;
  /** Its other peers, whose version another check refuses (mysql2: goneAwayMysql2's own). */
  readonly peersCheckedElsewhere?: readonly string[];
  /** The test file's `import.meta.url`: where the installed host packages are read from. */
  readonly from: string;
  /** The host packages installed in the adapter's node_modules whose version installedPackageVersion must read. */
  readonly readsBeside: readonly string[];
  /** The adapter's assertSupported… with the real installed versions, which the ranges accept. */
  readonly assertInstalled: () => void;
}

function readJson<T>(url: URL): T {
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

export function describeSupportedVersions(suite: SupportedVersionsSuite): void {
  const names = Object.keys(suite.ranges);
  describe(suite.title, () => {
    afterEach(() => {
      fakes.clear();
    });

    it.each(suite.refuses.map(([name, version]) => [name, version] as const))(
      'refuses %s %s with a GoneAwayConfigError naming it and the supported range',
      (name, version) => {
        fakes.set(name, version);
        const { message } = configErrorOf(suite.enter);
        expect(message).toContain(`received ${name} ${version}`);
        expect(message).toContain(`${name} to be ${suite.ranges[name]}`);
      },
    );

    it.each(suite.accepts)(`accepts %s of ${names.join(' and ')}`, (version) => {
      for (const name of names) fakes.set(name, version);
      suite.accepted(suite.enter());
    });

    it('lets an unreadable version through (a bundle): the option checks still run', () => {
      for (const name of names) fakes.set(name, undefined);
      suite.accepted(suite.enter());
    });

    it('reads the version installed beside the package, which the range accepts', () => {
      for (const name of suite.readsBeside) {
        const installed = readJson<{ version: string }>(
          new URL(`../node_modules/${name}/package.json`, suite.from),
        );
        expect(installedPackageVersion(name, suite.from), name).toBe(installed.version);
      }
      expect(suite.assertInstalled).not.toThrow();
    });

    it("names the same ranges as the package's peerDependencies", () => {
      const { peerDependencies } = readJson<{ peerDependencies: Record<string, string> }>(suite.manifest);
      for (const name of names) expect(peerDependencies[name], name).toBe(suite.ranges[name]);
      // Every peer is checked: one the adapter forgot would go unchecked at run time.
      expect(Object.keys(peerDependencies).sort()).toEqual(
        [...names, ...(suite.peersCheckedElsewhere ?? [])].sort(),
      );
    });
  });
}
