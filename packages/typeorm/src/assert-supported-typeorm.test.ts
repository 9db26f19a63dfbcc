import { describeSupportedVersions, fakeInstalledVersions } from '@goneaway/core/test-fixtures';
import { expect, vi } from 'vitest';
import { assertSupportedTypeorm, SUPPORTED_TYPEORM_RANGE } from './assert-supported-typeorm.js';
import { goneAwayTypeorm } from './gone-away-typeorm.js';

vi.mock('@goneaway/core/adapter', async (original) => fakeInstalledVersions(await original()));

describeSupportedVersions({
  title: 'goneAwayTypeorm and the installed TypeORM version',
  ranges: { typeorm: SUPPORTED_TYPEORM_RANGE },
  enter: () => goneAwayTypeorm({ type: 'mysql' }),
  accepted: (options) => expect((options as { connectorPackage: string }).connectorPackage).toBe('mysql2'),
  refuses: ['0.2.45', '0.3.19', '2.0.0', '2.0.0-beta.1'].map((version) => ['typeorm', version] as const),
  accepts: ['0.3.20', '0.3.28', '1.0.0', '1.1.3'],
  manifest: new URL('../package.json', import.meta.url),
  peersCheckedElsewhere: ['mysql2'],
  from: import.meta.url,
  readsBeside: ['typeorm'],
  assertInstalled: () => assertSupportedTypeorm(),
});
