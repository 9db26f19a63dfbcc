import { describe, expectTypeOf, it } from 'vitest';
import { type ConnectionLostError, isConnectionLost } from '../errors/connection-lost-error.js';
import type { GoneAwayCode } from '../errors/goneaway-codes.js';
import { isGoneAwayError } from '../errors/goneaway-error.js';
import type { PacketTooLargeError } from '../errors/packet-too-large-error.js';
import type { EventHub } from '../events/event-hub.js';
import type { GoneAwayEvent } from '../events/event-types.js';
import type { Classification, ConnectionState, ErrorKind, RetryAdvice, SentState } from './classification.js';
import { classify } from './classify.js';

/** Compiles only if every ErrorKind is handled: `kind` is `never` in the default branch. */
function describeKind(kind: ErrorKind): string {
  switch (kind) {
    case 'connection-lost':
    case 'connect-failed':
    case 'server-shutdown':
    case 'idle-timeout':
    case 'killed':
    case 'read-only':
    case 'packet-too-large':
    case 'too-many-connections':
    case 'host-blocked':
    case 'auth-failed':
    case 'deadlock':
    case 'lock-wait-timeout':
    case 'statement-timeout':
    case 'interrupted':
    case 'cluster-not-ready':
    case 'not-connection-related':
      return kind;
    default:
      return kind satisfies never;
  }
}

describe('classification types', () => {
  it('classify takes anything and returns a Classification', () => {
    expectTypeOf(classify).parameter(0).toEqualTypeOf<unknown>();
    expectTypeOf(classify).returns.toEqualTypeOf<Classification>();
    expectTypeOf<Classification['sent']>().toEqualTypeOf<SentState>();
    expectTypeOf<Classification['connection']>().toEqualTypeOf<ConnectionState>();
    expectTypeOf<Classification['retry']>().toEqualTypeOf<RetryAdvice>();
    expectTypeOf(describeKind).returns.toBeString();
  });

  it('guards narrow unknown values', () => {
    const value: unknown = undefined;
    if (isConnectionLost(value)) {
      expectTypeOf(value).toEqualTypeOf<ConnectionLostError>();
      expectTypeOf(value.statement).toEqualTypeOf<string | undefined>();
    }
    if (isGoneAwayError(value)) expectTypeOf(value.code).toEqualTypeOf<GoneAwayCode>();
    expectTypeOf<PacketTooLargeError['packetBytes']>().toEqualTypeOf<number | undefined>();
  });

  it('hub.emit takes an event without source and time', () => {
    expectTypeOf<Parameters<EventHub['emit']>[0]>().not.toHaveProperty('source');
    expectTypeOf<ReturnType<EventHub['emit']>>().toEqualTypeOf<GoneAwayEvent>();
  });
});
