import { readFileSync } from 'node:fs';
import { describeSupportedVersions, fakeInstalledVersions } from '@goneaway/core/test-fixtures';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { describe, expect, it, vi } from 'vitest';
import {
  assertSupportedPrisma,
  installedPrismaVersions,
  SUPPORTED_PRISMA_RANGES,
} from './assert-supported-prisma.js';
import { withGoneaway } from './with-goneaway.js';

vi.mock('@goneaway/core/adapter', async (original) => fakeInstalledVersions(await original()));

// Never connects: withGoneaway only wraps the factory; the pool is made on connect().
const adapter = () => new PrismaMariaDb('mariadb://nobody@127.0.0.1:1/none');

describeSupportedVersions({
  title: 'withGoneaway and the installed Prisma versions',
  ranges: SUPPORTED_PRISMA_RANGES,
  enter: () => withGoneaway(adapter()),
  accepted: (wrapped) => expect(typeof (wrapped as { connect: unknown }).connect).toBe('function'),
  refuses: [
    ['@prisma/adapter-mariadb', '6.19.0'],
    ['@prisma/adapter-mariadb', '7.0.0-dev.12'],
    ['@prisma/driver-adapter-utils', '6.16.2'],
  ],
  accepts: ['7.0.0', '7.10.1', '8.0.0'],
  manifest: new URL('../package.json', import.meta.url),
  from: import.meta.url,
  readsBeside: ['@prisma/adapter-mariadb'],
  assertInstalled: () => assertSupportedPrisma(),
});

describe('installedPrismaVersions', () => {
  it('reads the adapter installed beside the package and the utils that adapter loads', () => {
    const read = (path: string) =>
      (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
    const adapterVersion = read('../node_modules/@prisma/adapter-mariadb/package.json');
    expect(installedPrismaVersions()).toEqual({
      '@prisma/adapter-mariadb': adapterVersion,
      // The adapter pins its utils to its own version.
      '@prisma/driver-adapter-utils': adapterVersion,
    });
  });
});
