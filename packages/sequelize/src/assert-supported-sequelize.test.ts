import { describeSupportedVersions, fakeInstalledVersions } from '@goneaway/core/test-fixtures';
import { expect, vi } from 'vitest';
import { assertSupportedSequelize, SUPPORTED_SEQUELIZE_RANGE } from './assert-supported-sequelize.js';
import { goneAwaySequelize } from './gone-away-sequelize.js';

vi.mock('@goneaway/core/adapter', async (original) => fakeInstalledVersions(await original()));

describeSupportedVersions({
  title: 'goneAwaySequelize and the installed Sequelize version',
  ranges: { sequelize: SUPPORTED_SEQUELIZE_RANGE },
  enter: () => goneAwaySequelize({ dialect: 'mysql' }),
  accepted: (options) => expect((options as { dialect: string }).dialect).toBe('mysql'),
  refuses: ['5.22.5', '7.0.0-alpha.47', '7.0.0'].map((version) => ['sequelize', version] as const),
  accepts: ['6.0.0', '6.37.8', '6.99.1'],
  manifest: new URL('../package.json', import.meta.url),
  peersCheckedElsewhere: ['mysql2'],
  from: import.meta.url,
  readsBeside: ['sequelize'],
  assertInstalled: () => assertSupportedSequelize(),
});
