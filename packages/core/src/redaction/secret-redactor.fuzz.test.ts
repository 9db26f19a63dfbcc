import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DRIVER_MESSAGE_MAX_LENGTH, redactDriverMessage } from './secret-redactor.js';

/** Passwords as people choose them: printable, with spaces, quotes, URL-reserved and non-ASCII characters. */
const password = fc.string({ minLength: 1, maxLength: 24, unit: 'grapheme' });

/** The ways a driver or a wrapper could put the password (or the URL holding it) into its message. */
function embed(secret: string, prefix: string, suffix: string, how: number): string {
  switch (how) {
    case 0:
      return `${prefix}${secret}${suffix}`;
    case 1:
      return `${prefix}mysql://app:${encodeURIComponent(secret)}@db.internal:3306/app${suffix}`;
    case 2:
      return `${prefix}password=${secret}${suffix}`;
    case 3:
      return `${prefix}{"host":"db","password":${JSON.stringify(secret)}}${suffix}`;
    default:
      return `${prefix}${secret}\n${secret}${suffix}${secret}`;
  }
}

describe('redactDriverMessage, fuzzed', () => {
  it('never returns the configured password, however the message embeds it', () => {
    fc.assert(
      fc.property(
        password,
        fc.string({ maxLength: 300 }),
        fc.string({ maxLength: 300 }),
        fc.integer({ min: 0, max: 4 }),
        (secret, prefix, suffix, how) => {
          const text = redactDriverMessage(embed(secret, prefix, suffix, how), [secret]);
          expect(text).not.toContain(secret);
          expect(text.length).toBeLessThanOrEqual(DRIVER_MESSAGE_MAX_LENGTH);
          expect(text).not.toMatch(/[\r\n]/);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('never returns the password of a URL with credentials, even one nobody configured', () => {
    const urlPassword = fc.stringMatching(/^[A-Za-z0-9!$&'()*+,;=._~-]{4,20}$/);
    fc.assert(
      fc.property(urlPassword, fc.string({ maxLength: 100 }), (secret, around) => {
        const message = `${around} mysql://app:${secret}@db.internal:3306/app ${around}`;
        const text = redactDriverMessage(message);
        expect(text).not.toContain(`app:${secret}@`);
      }),
      { numRuns: 1_000 },
    );
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 2_000 }),
        fc.array(fc.string({ maxLength: 10 })),
        (message, secrets) => {
          const text = redactDriverMessage(message, secrets);
          for (const secret of secrets) if (secret.length > 0) expect(text).not.toContain(secret);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
