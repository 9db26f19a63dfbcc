import { readFileSync } from 'node:fs';
import { isGoneAwayConfigError } from '@goneaway/core';
import { installedPackageVersion } from '@goneaway/core/adapter';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  assertSupportedPrisma,
  installedPrismaVersions,
  type PrismaPackage,
  SUPPORTED_PRISMA_RANGES,
} from './assert-supported-prisma.js';
import { withGoneaway } from './with-goneaway.js';

// The versions withGoneaway reads, replaced per test; the real ones for a package not listed.
const fake = vi.hoisted(() => ({ versions: new Map<string, string | undefined>() }));
vi.mock('@goneaway/core/adapter', async (importOriginal) => {
  const core = await importOriginal<typeof import('@goneaway/core/adapter')>();
  return {
    ...core,
    installedPackageVersion: (name: string, from: string | URL) =>
      fake.versions.has(name) ? fake.versions.get(name) : core.installedPackageVersion(name, from),
  };
});

afterEach(() => {
  fake.versions.clear();
});

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

// Never connects: withGoneaway only wraps the factory; the pool is made on connect().
const adapter = () => new PrismaMariaDb('mariadb://nobody@127.0.0.1:1/none');

describe('withGoneaway and the installed Prisma versions', () => {
  it.each([
    ['@prisma/adapter-mariadb', '6.19.0'],
    ['@prisma/adapter-mariadb', '7.0.0-dev.12'],
    ['@prisma/driver-adapter-utils', '6.16.2'],
  ] as const)(
    'refuses %s %s with a GoneAwayConfigError naming it and the supported range',
    (name, version) => {
      fake.versions.set(name, version);
      const error = errorOf(() => withGoneaway(adapter()));
      expect(isGoneAwayConfigError(error)).toBe(true);
      expect((error as Error).message).toContain(`received ${name} ${version}`);
      expect((error as Error).message).toContain(`${name} to be ${SUPPORTED_PRISMA_RANGES[name]}`);
    },
  );

  it.each(['7.0.0', '7.10.1', '8.0.0'])('accepts %s of both', (version) => {
    fake.versions.set('@prisma/adapter-mariadb', version);
    fake.versions.set('@prisma/driver-adapter-utils', version);
    expect(typeof withGoneaway(adapter()).connect).toBe('function');
  });

  it('lets unreadable versions through (a bundle)', () => {
    fake.versions.set('@prisma/adapter-mariadb', undefined);
    fake.versions.set('@prisma/driver-adapter-utils', undefined);
    expect(typeof withGoneaway(adapter()).connect).toBe('function');
  });

  it('reads the adapter installed beside the package and the utils that adapter loads', () => {
    const read = (path: string) =>
      (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
    const adapterVersion = read('../node_modules/@prisma/adapter-mariadb/package.json');
    expect(installedPrismaVersions()).toEqual({
      '@prisma/adapter-mariadb': adapterVersion,
      // The adapter pins its utils to its own version.
      '@prisma/driver-adapter-utils': adapterVersion,
    });
    expect(installedPackageVersion('@prisma/adapter-mariadb', import.meta.url)).toBe(adapterVersion);
    expect(() => assertSupportedPrisma()).not.toThrow();
  });

  it("names the same ranges as the package's peerDependencies", () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    for (const name of Object.keys(SUPPORTED_PRISMA_RANGES) as PrismaPackage[]) {
      expect(manifest.peerDependencies[name]).toBe(SUPPORTED_PRISMA_RANGES[name]);
    }
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(
      Object.keys(SUPPORTED_PRISMA_RANGES).sort(),
    );
  });
});
