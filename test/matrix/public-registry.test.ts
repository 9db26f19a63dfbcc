import { describe, expect, it } from 'vitest';
import { compareReleases, isNetworkFailure } from './public-registry.js';

describe('isNetworkFailure', () => {
  it.each([
    'npm error code ECONNREFUSED\nnpm error FetchError: request to http://127.0.0.1:9/knex failed, reason: connect ECONNREFUSED 127.0.0.1:9',
    'npm error code ENOTFOUND\nnpm error network request to https://registry.npmjs.org/knex failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org',
    'npm error code EAI_AGAIN',
    'npm error code ETIMEDOUT',
    'npm error code ERR_SOCKET_TIMEOUT',
    'npm error code E503\nnpm error 503 Service Unavailable - GET https://registry.npmjs.org/knex',
    'npm error network aborted',
  ])('an unreachable registry: %s', (output) => {
    expect(isNetworkFailure(output)).toBe(true);
  });

  it.each([
    'npm error code ETARGET\nnpm error notarget No matching version found for knex@9.9.9.',
    'npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/@goneaway%2fnope',
    'npm error code ERESOLVE\nnpm error ERESOLVE unable to resolve dependency tree',
    'npm error code EBADENGINE',
    'npm error code ELIFECYCLE',
  ])('an answer that is a real failure: %s', (output) => {
    expect(isNetworkFailure(output)).toBe(false);
  });
});

describe('compareReleases', () => {
  it('orders versions as releases, not as text', () => {
    expect(['0.3.9', '0.3.31', '0.3.28', '0.3.10'].sort(compareReleases)).toEqual([
      '0.3.9',
      '0.3.10',
      '0.3.28',
      '0.3.31',
    ]);
    expect(['7.9.1', '7.10.0', '7.10.1'].sort(compareReleases).at(-1)).toBe('7.10.1');
  });
});
