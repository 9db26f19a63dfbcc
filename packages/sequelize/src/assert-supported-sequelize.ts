import { assertSupportedVersion, installedPackageVersion } from '@goneaway/core/adapter';

/**
 * The Sequelize releases goneAwaySequelize works with: the `sequelize` range of this package's
 * peerDependencies (a unit test keeps them equal); test/matrix runs the newest 6.x. Sequelize 7
 * (`@sequelize/core`) is another package with another dialect layer.
 */
export const SUPPORTED_SEQUELIZE_RANGE = '>=6 <7';

/**
 * Throws GoneAwayConfigError naming the installed Sequelize and the supported range when the
 * application's sequelize (the one Node resolves from here: a peer dependency) is outside it.
 */
export function assertSupportedSequelize(
  installed: string | undefined = installedPackageVersion('sequelize', import.meta.url),
): void {
  assertSupportedVersion('sequelize', installed, SUPPORTED_SEQUELIZE_RANGE);
}
