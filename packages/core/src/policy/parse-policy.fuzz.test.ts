import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { parsePolicy } from './parse-policy.js';
import { EXPECTED } from './policy-schema.js';

/** Either a Policy or GoneAwayConfigError: nothing else may come out of parsePolicy. */
function outcome(options: unknown): 'parsed' | 'rejected' {
  try {
    const policy = parsePolicy(options);
    expect(Object.isFrozen(policy)).toBe(true);
    return 'parsed';
  } catch (error) {
    expect(isGoneAwayConfigError(error)).toBe(true);
    const { message, issues, path } = error as { message: string; issues: unknown[]; path: string };
    expect(issues.length).toBeGreaterThan(0);
    expect(message).toContain('Invalid goneaway option');
    expect(typeof path).toBe('string');
    return 'rejected';
  }
}

const leafPaths = Object.keys(EXPECTED).filter((path) => path !== '');
const plausibleValue = fc.oneof(
  fc.boolean(),
  fc.constantFrom('auto', 'never', 'when-not-sent', false, 'default'),
  fc.double(),
  fc.integer({ min: -10, max: 100_000 }),
  fc.anything(),
);

/** Options shaped like the real thing (known keys, nested objects, near misses) with any values. */
const nearlyValidOptions = fc
  .array(
    fc.tuple(
      fc.constantFrom(...leafPaths, 'retryRead', 'backoff.initalDelayMs', '__proto__'),
      plausibleValue,
    ),
    {
      maxLength: 8,
    },
  )
  .map((entries) => {
    const options: Record<string, unknown> = {};
    for (const [path, value] of entries) {
      const [head, tail] = path.split('.') as [string, string | undefined];
      if (tail === undefined) {
        Object.defineProperty(options, head, { value, enumerable: true, configurable: true, writable: true });
      } else {
        const nested = (
          typeof options[head] === 'object' && options[head] !== null ? options[head] : {}
        ) as Record<string, unknown>;
        nested[tail] = value;
        options[head] = nested;
      }
    }
    return options;
  });

describe('parsePolicy (fuzzed)', () => {
  it('any value either parses or throws GoneAwayConfigError', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withNullPrototype: true, withObjectString: true }),
        (value) => {
          outcome(value);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('options shaped like the real ones either parse or throw GoneAwayConfigError', () => {
    let parsed = 0;
    fc.assert(
      fc.property(nearlyValidOptions, (options) => {
        if (outcome(options) === 'parsed') parsed++;
      }),
      { numRuns: 3000 },
    );
    // The generator must reach both outcomes, or the property above proves nothing about one of them.
    expect(parsed).toBeGreaterThan(50);
  });

  it('never puts a string value into the message', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...leafPaths, ''),
        fc.string({ minLength: 6 }).filter((s) => /[a-z]{3}/i.test(s) && !/auto|never|sent|default/i.test(s)),
        (path, secret) => {
          const segments = path === '' ? [] : path.split('.');
          const options = segments.reduceRight<unknown>((inner, key) => ({ [key]: inner }), secret);
          try {
            parsePolicy(options);
          } catch (error) {
            expect(isGoneAwayConfigError(error)).toBe(true);
            expect((error as Error).message).not.toContain(secret);
            expect(JSON.stringify(error)).not.toContain(secret);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
