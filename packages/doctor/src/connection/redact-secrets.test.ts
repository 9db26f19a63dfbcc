import { describe, expect, it } from 'vitest';
import { redactUrlPasswords, scrubSecret } from './redact-secrets.js';

describe('redactUrlPasswords', () => {
  it("masks the password of every URL in a text, also one with a raw '@' in it", () => {
    expect(redactUrlPasswords("argument 'mysql://app:s3cret@h:1/db' is invalid")).toBe(
      "argument 'mysql://app:***@h:1/db' is invalid",
    );
    expect(redactUrlPasswords('mysql://app:p@ss@h/db and mariadb://x:y@z')).not.toMatch(/p@ss|ss@h|:y@/);
    expect(redactUrlPasswords('mysql://app@h/db')).toBe('mysql://app@h/db');
  });
});

describe('scrubSecret', () => {
  it('removes the secret as typed and as %-encoded', () => {
    expect(scrubSecret('a p@ss b p%40ss', 'p@ss')).toBe('a *** b ***');
    expect(scrubSecret('unchanged', undefined)).toBe('unchanged');
  });
});
