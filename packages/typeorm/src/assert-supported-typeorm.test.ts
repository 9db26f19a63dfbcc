import { readFileSync } from 'node:fs';
import { isGoneAwayConfigError } from '@goneaway/core';
import { installedPackageVersion } from '@goneaway/core/adapter';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assertSupportedTypeorm, SUPPORTED_TYPEORM_RANGE } from './assert-supported-typeorm.js';
import { goneAwayTypeorm } from './gone-away-typeorm.js';

// The version goneAwayTypeorm reads, replaced per test; the real one when unset.
const fake = vi.hoisted(() => ({ version: undefined as string | undefined, active: false }));
vi.mock('@goneaway/core/adapter', async (importOriginal) => {
  const core = await importOriginal<typeof import('@goneaway/core/adapter')>();
  return {
    ...core,
    installedPackageVersion: (name: string, from: string | URL) =>
      fake.active && name === 'typeorm' ? fake.version : core.installedPackageVersion(name, from),
  };
});

afterEach(() => {
  fake.active = false;
});

function installed(version: string | undefined): void {
  fake.active = true;
  fake.version = version;
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('goneAwayTypeorm and the installed TypeORM version', () => {
  it.each(['0.2.45', '0.3.19', '2.0.0', '2.0.0-beta.1'])(
    'refuses typeorm %s with a GoneAwayConfigError naming it and the supported range',
    (version) => {
      installed(version);
      const error = errorOf(() => goneAwayTypeorm({ type: 'mysql' }));
      expect(isGoneAwayConfigError(error)).toBe(true);
      expect((error as Error).message).toContain(`received typeorm ${version}`);
      expect((error as Error).message).toContain(`typeorm to be ${SUPPORTED_TYPEORM_RANGE}`);
    },
  );

  it.each(['0.3.20', '0.3.28', '1.0.0', '1.1.3'])('accepts typeorm %s', (version) => {
    installed(version);
    expect(goneAwayTypeorm({ type: 'mysql' }).connectorPackage).toBe('mysql2');
  });

  it('lets an unreadable version through (a bundle): the option checks still run', () => {
    installed(undefined);
    expect(goneAwayTypeorm({ type: 'mariadb' }).connectorPackage).toBe('mysql2');
  });

  it('reads the typeorm installed beside the package, which the range accepts', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../node_modules/typeorm/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(installedPackageVersion('typeorm', import.meta.url)).toBe(manifest.version);
    expect(() => assertSupportedTypeorm()).not.toThrow();
  });

  it("names the same range as the package's peerDependencies", () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    expect(manifest.peerDependencies.typeorm).toBe(SUPPORTED_TYPEORM_RANGE);
  });
});
