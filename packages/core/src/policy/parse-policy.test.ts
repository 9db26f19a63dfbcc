import { describe, expect, it } from 'vitest';
import { isGoneAwayConfigError } from '../errors/goneaway-config-error.js';
import type { GoneAwayOptions } from './options.js';
import { DEFAULT_POLICY, parsePolicy } from './parse-policy.js';

function configError(options: unknown) {
  try {
    parsePolicy(options);
  } catch (error) {
    if (isGoneAwayConfigError(error)) return error;
    throw error;
  }
  throw new Error('parsePolicy accepted the options');
}

describe('parsePolicy', () => {
  it('fills every default for no options, an empty object and undefined nested objects', () => {
    const expected = {
      retryReads: true,
      retryWrites: 'when-not-sent',
      outageBudgetMs: 5000,
      backoff: { initialDelayMs: 25, maxDelayMs: 1000 },
      validation: { bypassWindowMs: 500, pingTimeoutMs: 'auto' },
      idleLimitMs: 'auto',
      maxLifetimeMs: 'auto',
      packetGuard: true,
      statementTimeoutMs: false,
      circuitBreaker: { probeIntervalMs: 1000 },
      keepAliveInitialDelayMs: 30_000,
      evictOnReadOnly: true,
      connectTimeoutMs: 10_000,
      name: 'default',
      role: 'writer',
    };
    expect(parsePolicy()).toEqual(expected);
    expect(parsePolicy({})).toEqual(expected);
    expect(parsePolicy({ backoff: undefined, validation: {}, retryReads: undefined })).toEqual(expected);
    expect(DEFAULT_POLICY).toEqual(expected);
  });

  it('keeps what the user set and defaults the siblings of a partial nested object', () => {
    const policy = parsePolicy({
      retryWrites: 'never',
      backoff: { maxDelayMs: 200 },
      idleLimitMs: false,
      maxLifetimeMs: 60_000,
      statementTimeoutMs: 2500,
      keepAliveInitialDelayMs: false,
      name: 'orders',
    } satisfies GoneAwayOptions);
    expect(policy.retryWrites).toBe('never');
    expect(policy.backoff).toEqual({ initialDelayMs: 25, maxDelayMs: 200 });
    expect(policy.idleLimitMs).toBe(false);
    expect(policy.maxLifetimeMs).toBe(60_000);
    expect(policy.statementTimeoutMs).toBe(2500);
    expect(policy.keepAliveInitialDelayMs).toBe(false);
    expect(policy.name).toBe('orders');
  });

  it('returns a deeply frozen value that does not alias the input', () => {
    const input = { backoff: { initialDelayMs: 10 } };
    const policy = parsePolicy(input);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.backoff)).toBe(true);
    expect(Object.isFrozen(policy.validation)).toBe(true);
    expect(Object.isFrozen(policy.circuitBreaker)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.backoff)).toBe(true);
    input.backoff.initialDelayMs = 99;
    expect(policy.backoff.initialDelayMs).toBe(10);
    expect(Object.isFrozen(input.backoff)).toBe(false);
  });

  it('accepts its own output again (a Policy is valid options)', () => {
    const policy = parsePolicy({ retryWrites: 'never', idleLimitMs: 1000 });
    expect(parsePolicy(policy)).toEqual(policy);
    expect(parsePolicy(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY);
  });

  it('names the option path, what it expects and what it got', () => {
    const error = configError({ validation: { pingTimeoutMs: -5 } });
    expect(error.code).toBe('GONEAWAY_CONFIG');
    expect(error.path).toBe('validation.pingTimeoutMs');
    expect(error.message).toContain('validation.pingTimeoutMs');
    expect(error.message).toContain("expected 'auto' or a positive number of milliseconds");
    expect(error.message).toContain('-5');
    expect(error.issues).toEqual([
      { path: 'validation.pingTimeoutMs', expected: expect.stringContaining('positive'), received: '-5' },
    ]);
  });

  it.each([
    ['outageBudgetMs', 'NaN', { outageBudgetMs: Number.NaN }],
    ['outageBudgetMs', 'Infinity', { outageBudgetMs: Number.POSITIVE_INFINITY }],
    ['outageBudgetMs', '-1', { outageBudgetMs: -1 }],
    ['connectTimeoutMs', '0', { connectTimeoutMs: 0 }],
    ['connectTimeoutMs', String(2 ** 31), { connectTimeoutMs: 2 ** 31 }],
    ['backoff.maxDelayMs', '-0', { backoff: { maxDelayMs: -0 } }],
    ['idleLimitMs', 'true', { idleLimitMs: true }],
    ['maxLifetimeMs', '0', { maxLifetimeMs: 0 }],
    ['statementTimeoutMs', 'true', { statementTimeoutMs: true }],
    ['retryReads', '1', { retryReads: 1 }],
    ['name', 'an empty string', { name: '' }],
    ['name', '7', { name: 7 }],
    ['backoff', 'null', { backoff: null }],
    ['validation', 'an array of 2 items', { validation: [1, 2] }],
    [
      'circuitBreaker.probeIntervalMs',
      'a bigint (use a number)',
      { circuitBreaker: { probeIntervalMs: 10n } },
    ],
    ['outageBudgetMs', 'a string that holds a number (pass the number itself)', { outageBudgetMs: '5000' }],
    ['', 'null', null],
    ['', '42', 42],
    ['', 'an array of 0 items', []],
  ])('rejects option %j given %s', (path, received, options) => {
    const error = configError(options);
    expect(error.path).toBe(path);
    expect(error.issues[0]?.received).toBe(received);
  });

  it('rejects unknown keys at any level, suggesting the closest known name', () => {
    expect(configError({ retryRead: true }).message).toContain('did you mean `retryReads`?');
    expect(configError({ backoff: { initalDelayMs: 5 } }).message).toContain(
      'did you mean `backoff.initialDelayMs`?',
    );
    expect(configError({ PINGTIMEOUTMS: 5 }).message).toContain('did you mean `validation.pingTimeoutMs`?');
    expect(configError({ initialDelayMs: 5 }).message).toContain('did you mean `backoff.initialDelayMs`?');
    const far = configError({ circuitBreaker: { zzz: 1 } });
    expect(far.path).toBe('circuitBreaker.zzz');
    expect(far.message).toContain('probeIntervalMs');
    expect(far.message).not.toContain('did you mean');
  });

  it('suggests the word a misspelt word value resembles without echoing it', () => {
    const error = configError({ retryWrites: 'when-not-send' });
    expect(error.message).toContain("did you mean 'when-not-sent'?");
    expect(error.message).not.toContain('when-not-send');
    expect(configError({ idleLimitMs: 'Auto ' }).message).toContain("did you mean 'auto'?");
    expect(configError({ validation: { pingTimeoutMs: 'aut' } }).message).toContain("did you mean 'auto'?");
  });

  it("takes validation.pingTimeoutMs as 'auto' (the default) or a fixed number of milliseconds", () => {
    expect(parsePolicy({ validation: { pingTimeoutMs: 'auto' } }).validation.pingTimeoutMs).toBe('auto');
    expect(parsePolicy({ validation: { pingTimeoutMs: 250 } }).validation.pingTimeoutMs).toBe(250);
    expect(configError({ validation: { pingTimeoutMs: 'fast' } }).path).toBe('validation.pingTimeoutMs');
  });

  it('checks fields against each other once each is valid', () => {
    const error = configError({ backoff: { initialDelayMs: 2000 } });
    expect(error.path).toBe('backoff.initialDelayMs');
    expect(error.message).toContain('no larger than backoff.maxDelayMs (1000)');
    expect(parsePolicy({ backoff: { initialDelayMs: 1000, maxDelayMs: 1000 } }).backoff.initialDelayMs).toBe(
      1000,
    );
  });

  it('reports every problem in issues and counts the others in the message', () => {
    const error = configError({ retryReads: 'yes', foo: 1, validation: { pingTimeoutMs: 0 } });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'foo',
      'retryReads',
      'validation.pingTimeoutMs',
    ]);
    expect(error.message).toMatch(/2 more/);
  });

  it('never echoes a string value, wherever it is', () => {
    const secret = 'hunter2-S3cr3t!';
    for (const options of [
      secret,
      { name: secret.repeat(20) },
      { retryWrites: secret },
      { idleLimitMs: secret },
    ]) {
      const error = configError(options);
      expect(error.message).not.toContain('hunter2');
      expect(JSON.stringify(error)).not.toContain('hunter2');
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it('turns a throwing getter into a config error', () => {
    const options = {
      get retryReads(): boolean {
        throw new Error('boom');
      },
    };
    const error = configError(options);
    expect(error.path).toBe('');
    expect(error.cause).toBeInstanceOf(Error);
  });
});
