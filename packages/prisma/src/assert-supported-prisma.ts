import { createRequire } from 'node:module';
import { assertSupportedVersion, installedPackageVersion } from '@goneaway/core/adapter';

/**
 * The Prisma releases withGoneaway works with: the ranges of this package's peerDependencies (a unit
 * test keeps them equal); test/matrix runs the locked and the newest 7.x.
 */
export const SUPPORTED_PRISMA_RANGES = {
  '@prisma/adapter-mariadb': '>=7.0.0',
  '@prisma/driver-adapter-utils': '>=7.0.0',
} as const;

export type PrismaPackage = keyof typeof SUPPORTED_PRISMA_RANGES;

/**
 * The versions of the Prisma packages the application runs: @prisma/adapter-mariadb as Node resolves
 * it from here (a peer dependency), and the @prisma/driver-adapter-utils that adapter loads.
 */
export function installedPrismaVersions(): Record<PrismaPackage, string | undefined> {
  let adapterEntry: string | undefined;
  try {
    // Not named `require`: the CJS build rewrites `import.meta.url` into a call of the module's own.
    adapterEntry = createRequire(import.meta.url).resolve('@prisma/adapter-mariadb');
  } catch {
    adapterEntry = undefined;
  }
  return {
    '@prisma/adapter-mariadb': installedPackageVersion('@prisma/adapter-mariadb', import.meta.url),
    '@prisma/driver-adapter-utils': installedPackageVersion(
      '@prisma/driver-adapter-utils',
      adapterEntry ?? import.meta.url,
    ),
  };
}

/** Throws GoneAwayConfigError naming the installed version and the range when one is outside it. */
export function assertSupportedPrisma(
  installed: Record<PrismaPackage, string | undefined> = installedPrismaVersions(),
): void {
  for (const [name, range] of Object.entries(SUPPORTED_PRISMA_RANGES)) {
    assertSupportedVersion(name, installed[name as PrismaPackage], range);
  }
}
