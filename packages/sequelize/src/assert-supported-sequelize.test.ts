import { readFileSync } from 'node:fs';
import { isGoneAwayConfigError } from '@goneaway/core';
import { installedPackageVersion } from '@goneaway/core/adapter';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assertSupportedSequelize, SUPPORTED_SEQUELIZE_RANGE } from './assert-supported-sequelize.js';
import { goneAwaySequelize } from './gone-away-sequelize.js';

// The version goneAwaySequelize reads, replaced per test; the real one when unset.
const fake = vi.hoisted(() => ({ version: undefined as string | undefined, active: false }));
vi.mock('@goneaway/core/adapter', async (importOriginal) => {
  const core = await importOriginal<typeof import('@goneaway/core/adapter')>();
  return {
    ...core,
    installedPackageVersion: (name: string, from: string | URL) =>
      fake.active && name === 'sequelize' ? fake.version : core.installedPackageVersion(name, from),
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

describe('goneAwaySequelize and the installed Sequelize version', () => {
  it.each(['5.22.5', '7.0.0-alpha.47', '7.0.0'])(
    'refuses sequelize %s with a GoneAwayConfigError naming it and the supported range',
    (version) => {
      installed(version);
      const error = errorOf(() => goneAwaySequelize({ dialect: 'mysql' }));
      expect(isGoneAwayConfigError(error)).toBe(true);
      expect((error as Error).message).toContain(`received sequelize ${version}`);
      expect((error as Error).message).toContain(`sequelize to be ${SUPPORTED_SEQUELIZE_RANGE}`);
    },
  );

  it.each(['6.0.0', '6.37.8', '6.99.1'])('accepts sequelize %s', (version) => {
    installed(version);
    expect(goneAwaySequelize({ dialect: 'mysql' }).dialect).toBe('mysql');
  });

  it('lets an unreadable version through (a bundle): the option checks still run', () => {
    installed(undefined);
    expect(goneAwaySequelize({}).dialect).toBe('mysql');
  });

  it('reads the sequelize installed beside the package, which the range accepts', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../node_modules/sequelize/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(installedPackageVersion('sequelize', import.meta.url)).toBe(manifest.version);
    expect(() => assertSupportedSequelize()).not.toThrow();
  });

  it("names the same range as the package's peerDependencies", () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    expect(manifest.peerDependencies.sequelize).toBe(SUPPORTED_SEQUELIZE_RANGE);
  });
});
