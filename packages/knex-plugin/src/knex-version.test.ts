import { isGoneAwayConfigError } from '@goneaway/core';
import { describe, expect, it } from 'vitest';
import { loadKnexInternals } from './knex-internals.js';
import { checkKnexVersion, SUPPORTED_KNEX_RANGE } from './knex-version.js';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('checkKnexVersion', () => {
  it('accepts knex 2.5 and later; knex runs pool.validate from 3.2', () => {
    expect(checkKnexVersion('2.5.0')).toEqual({ version: '2.5.0', honorsPoolValidate: false });
    expect(checkKnexVersion('3.1.0').honorsPoolValidate).toBe(false);
    expect(checkKnexVersion('3.2.0').honorsPoolValidate).toBe(true);
    expect(checkKnexVersion('3.3.0').honorsPoolValidate).toBe(true);
    expect(checkKnexVersion('4.0.0-next.1').honorsPoolValidate).toBe(true);
  });

  it.each([['2.4.2'], ['1.0.7'], ['0.95.15'], ['not a version'], [undefined]])(
    'rejects knex %s with GoneAwayConfigError naming the supported range',
    (version) => {
      const error = thrownBy(() => checkKnexVersion(version));
      expect(isGoneAwayConfigError(error)).toBe(true);
      const message = String((error as Error).message);
      expect(message).toContain(SUPPORTED_KNEX_RANGE);
      expect(message).toContain(version === undefined ? 'without a version' : `knex ${version}`);
    },
  );
});

describe('loadKnexInternals', () => {
  it('reads the version from knex/package.json before loading any lib/ file', () => {
    const asked: string[] = [];
    const requireKnex = (id: string) => {
      asked.push(id);
      if (id === 'knex/package.json') return { version: '2.4.2' };
      throw new Error(`unexpected ${id}`);
    };
    const error = thrownBy(() => loadKnexInternals(requireKnex));
    expect(isGoneAwayConfigError(error)).toBe(true);
    expect(String((error as Error).message)).toContain('received knex 2.4.2');
    expect(asked).toEqual(['knex/package.json']);
  });

  it("loads the installed knex's internals and says which knex it is", () => {
    const internals = loadKnexInternals();
    expect(internals.knex.version).toMatch(/^3\./);
    expect(internals.knex.honorsPoolValidate).toBe(true);
    expect(typeof internals.Mysql2Client).toBe('function');
    expect(typeof internals.Runner).toBe('function');
  });
});
