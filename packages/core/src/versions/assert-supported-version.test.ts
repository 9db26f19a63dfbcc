import { describe, expect, it } from 'vitest';
import { isGoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { assertSupportedVersion, satisfiesVersionRange } from './assert-supported-version.js';

function thrown(work: () => void): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('satisfiesVersionRange', () => {
  it.each([
    // The peer ranges of the goneaway packages.
    ['0.3.20', '>=0.3.20 <2', true],
    ['0.3.28', '>=0.3.20 <2', true],
    ['1.1.3', '>=0.3.20 <2', true],
    ['1.0.0-beta.1', '>=0.3.20 <2', true],
    ['0.3.19', '>=0.3.20 <2', false],
    ['0.2.45', '>=0.3.20 <2', false],
    ['2.0.0', '>=0.3.20 <2', false],
    ['2.0.0-beta.1', '>=0.3.20 <2', false],
    ['7.0.0', '>=7.0.0', true],
    ['7.10.1', '>=7.0.0', true],
    ['8.0.0-dev.3', '>=7.0.0', true],
    ['7.0.0-dev.3', '>=7.0.0', false],
    ['6.19.0', '>=7.0.0', false],
    ['3.9.0', '>=3.9.0', true],
    ['3.8.9', '>=3.9.0', false],
    ['10.0.0', '>=3.9.0', true],
    // Other forms a range may take.
    ['1.2.3', '>= 1.2.3 < 2', true],
    ['1.2.3', '1.2.3', true],
    ['1.2.4', '=1.2.3', false],
    ['1.2.9', '1.2', true],
    ['1.3.0', '1.2', false],
    ['1.3.0', '<=1.2', false],
    ['1.2.99', '<=1.2', true],
    ['1.3.0', '>1.2', true],
    ['1.2.5', '>1.2', false],
    ['1.2.4', '>1.2.3', true],
    ['1.2.3', '<=1.2.3', true],
    ['2.5.1', '>=2.5.0 <3 || >=3.2.0', true],
    ['3.1.0', '>=2.5.0 <3 || >=3.2.0', false],
    ['3.3.0', '>=2.5.0 <3 || >=3.2.0', true],
    ['v3.3.0', '>=3', true],
    ['3.3.0+build.7', '<3.3.1', true],
    ['1.0.0-alpha.10', '>1.0.0-alpha.9', true],
    ['1.0.0-alpha', '<1.0.0-alpha.1', true],
    ['1.0.0-1', '<1.0.0-alpha', true],
  ] as const)('%s in %s: %s', (version, range, expected) => {
    expect(satisfiesVersionRange(version, range)).toBe(expected);
  });

  it('answers undefined for a version it cannot read', () => {
    expect(satisfiesVersionRange('latest', '>=1.0.0')).toBeUndefined();
    expect(satisfiesVersionRange('3.3', '>=1.0.0')).toBeUndefined();
  });

  it.each(['^1.2.3', '~1.2.3', '1.x', '>=1.2.3 ||', '>=1.2-beta', ''])(
    'throws a TypeError naming a range form it does not read: %j',
    (range) => {
      expect(() => satisfiesVersionRange('1.2.3', range)).toThrow(TypeError);
      expect(() => satisfiesVersionRange('1.2.3', range)).toThrow('unsupported version range');
    },
  );
});

describe('assertSupportedVersion', () => {
  it('passes a version inside the range', () => {
    expect(() => assertSupportedVersion('typeorm', '0.3.28', '>=0.3.20 <2')).not.toThrow();
  });

  it('throws GONEAWAY_CONFIG naming the library, the installed version and the range', () => {
    const error = thrown(() => assertSupportedVersion('typeorm', '0.2.45', '>=0.3.20 <2'));
    expect(isGoneAwayConfigError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'GONEAWAY_CONFIG',
      path: 'typeorm',
      issues: [
        {
          path: 'typeorm',
          expected: 'the installed typeorm to be >=0.3.20 <2 (npm install typeorm@">=0.3.20 <2")',
          received: 'typeorm 0.2.45',
        },
      ],
    });
    expect((error as Error).message).toContain('typeorm 0.2.45');
    expect((error as Error).message).toContain('>=0.3.20 <2');
  });

  it('names a scoped package the way npm installs it', () => {
    const error = thrown(() => assertSupportedVersion('@prisma/adapter-mariadb', '6.19.0', '>=7.0.0'));
    expect((error as Error).message).toContain('npm install @prisma/adapter-mariadb@">=7.0.0"');
    expect((error as Error).message).toContain('received @prisma/adapter-mariadb 6.19.0');
  });

  it('lets a version it cannot read through, but never a range it cannot read', () => {
    expect(() => assertSupportedVersion('typeorm', undefined, '>=0.3.20 <2')).not.toThrow();
    expect(() => assertSupportedVersion('typeorm', 'workspace', '>=0.3.20 <2')).not.toThrow();
    expect(() => assertSupportedVersion('typeorm', undefined, '^0.3.20')).toThrow(TypeError);
  });
});
