import { describe, expect, it } from 'vitest';
import { DRIVER_MESSAGE_MAX_LENGTH, redactDriverMessage, SecretRedactor } from './secret-redactor.js';

describe('redactDriverMessage', () => {
  it('keeps what a connect error says about where it tried', () => {
    expect(redactDriverMessage('connect ECONNREFUSED 127.0.0.1:601')).toBe(
      'connect ECONNREFUSED 127.0.0.1:601',
    );
    expect(redactDriverMessage('getaddrinfo ENOTFOUND db.internal')).toBe(
      'getaddrinfo ENOTFOUND db.internal',
    );
  });

  it("keeps mysql2's access-denied message, which only says whether a password was sent", () => {
    const message = "Access denied for user 'app'@'10.0.0.7' (using password: YES)";
    expect(redactDriverMessage(message, ['pw-S3cret'])).toBe(message);
  });

  it('takes the password out of any URL with credentials, whatever the scheme', () => {
    expect(redactDriverMessage('bad url mysql://app:pw-S3cret@db:3306/app')).toBe(
      'bad url mysql://app:***@db:3306/app',
    );
    expect(redactDriverMessage('via http://proxy:p%40ss@10.0.0.1:8080 failed')).toBe(
      'via http://proxy:***@10.0.0.1:8080 failed',
    );
  });

  it('takes out password pairs, in connection strings and JSON', () => {
    expect(redactDriverMessage('host=db;password=pw-S3cret;user=app')).toBe('host=db;password=***;user=app');
    expect(redactDriverMessage('{"user":"app","password":"pw-S3cret"}')).toBe(
      '{"user":"app","password":***}',
    );
    expect(redactDriverMessage('pwd: hunter2 rejected')).toBe('pwd: *** rejected');
  });

  it('takes out the configured password wherever it is, as is and URL-encoded', () => {
    const secret = 'p@ss word/1';
    const message = `auth plugin said: ${secret} (mysql://app:${encodeURIComponent(secret)}@db) ${secret}`;
    const text = redactDriverMessage(message, [secret]);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
    expect(text).toContain('auth plugin said: ***');
  });

  it('a secret that is part of the placeholder still never shows', () => {
    expect(redactDriverMessage('a*b', ['*'])).toBe('a###b');
    expect(redactDriverMessage('x***y', ['*'])).not.toContain('*');
  });

  it('one line, cut at the maximum with an ellipsis', () => {
    expect(redactDriverMessage('connect\n  ETIMEDOUT\t')).toBe('connect ETIMEDOUT');
    const long = `Error ${'x'.repeat(1000)}`;
    const text = redactDriverMessage(long);
    expect(text.length).toBe(DRIVER_MESSAGE_MAX_LENGTH);
    expect(text.endsWith('…')).toBe(true);
  });

  it('a secret with a run of spaces is caught before and after the spaces are collapsed', () => {
    expect(redactDriverMessage('it was a  b, yes', ['a  b'])).toBe('it was ***, yes');
    expect(redactDriverMessage('it was a  b, yes', ['a b'])).toBe('it was ***, yes');
  });
});

describe('SecretRedactor', () => {
  it('remembers non-empty strings only, and redacts with them', () => {
    const redactor = new SecretRedactor();
    redactor.add('pw-1');
    redactor.add('');
    redactor.add(undefined);
    redactor.add(42);
    expect([...redactor.secrets]).toEqual(['pw-1']);
    expect(redactor.redact('login pw-1 refused')).toBe('login *** refused');
  });
});
