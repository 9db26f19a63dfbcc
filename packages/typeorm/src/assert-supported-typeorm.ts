import { assertSupportedVersion, installedPackageVersion } from '@goneaway/core/adapter';

/**
 * The TypeORM releases goneAwayTypeorm works with: the `typeorm` range of this package's
 * peerDependencies (a unit test keeps them equal); test/matrix runs the newest 0.3.x and 1.x.
 */
export const SUPPORTED_TYPEORM_RANGE = '>=0.3.20 <2';

/**
 * Throws GoneAwayConfigError naming the installed TypeORM and the supported range when the
 * application's typeorm (the one Node resolves from here: a peer dependency) is outside it.
 */
export function assertSupportedTypeorm(
  installed: string | undefined = installedPackageVersion('typeorm', import.meta.url),
): void {
  assertSupportedVersion('typeorm', installed, SUPPORTED_TYPEORM_RANGE);
}
