import { describe, expect, it } from 'vitest';
import { checkInput } from './check-input.fixture.js';
import { checkServerVersion, parseVersionNumber } from './check-server-version.js';

describe('checkServerVersion', () => {
  it('parses plain, MariaDB and 5.5.5-prefixed version strings', () => {
    expect(parseVersionNumber('8.0.36')).toEqual([8, 0, 36]);
    expect(parseVersionNumber('10.11.19-MariaDB-0+deb12u1')).toEqual([10, 11, 19]);
    expect(parseVersionNumber('5.5.5-10.6.12-MariaDB-log')).toEqual([10, 6, 12]);
    expect(parseVersionNumber('unknown')).toBeUndefined();
  });

  it('says which MySQL versions send 4031 before closing an idle connection', () => {
    const newer = checkServerVersion(checkInput({ limits: { flavor: 'mysql', version: '8.0.24' } }));
    const older = checkServerVersion(checkInput({ limits: { flavor: 'mysql', version: '8.0.23' } }));
    expect(newer.summary).toMatch(/sends error 4031/);
    expect(older.summary).toMatch(/4031 arrived in 8\.0\.24/);
    expect(checkServerVersion(checkInput()).summary).toMatch(/^MariaDB 10\.11\.19/);
  });
});
