import type { ErrorKind } from './classification.js';

/**
 * What a kind of failure means to the code that handles it, once per kind (a new error number is one
 * row of the error table; its kind brings these along):
 * - `lost`: the connection went away under the statement: a statement not run again is reported as
 *   "connection lost" (retry-decision.ts);
 * - `transient`: trying again soon may succeed (the server is restarting, the pool reconnecting, a
 *   lock or a limit got in the way): the commit resolver tries its step again (commit-resolver.ts);
 * - `connect-noise`: a failure to reach the server that goneaway waits out itself, so a host library's
 *   own warning about it is noise (the knex plugin drops knex's "Acquire connection error" line);
 * - `writer-suspect`: with the `cluster` option, the host may no longer take writes or may be gone
 *   (a failover): its monitor probes it at once rather than at its next interval (writer-routing.ts).
 */
export type KindTrait = 'lost' | 'transient' | 'connect-noise' | 'writer-suspect';

const LOST = ['lost', 'transient', 'connect-noise', 'writer-suspect'] as const;

export const KIND_TRAITS: Readonly<Record<ErrorKind, readonly KindTrait[]>> = Object.freeze({
  'connection-lost': LOST,
  'connect-failed': LOST,
  'server-shutdown': LOST,
  // The server closed a connection left idle too long: it says nothing about the host.
  'idle-timeout': ['lost', 'transient', 'connect-noise'],
  killed: LOST,
  'too-many-connections': ['transient', 'connect-noise'],
  'cluster-not-ready': ['transient', 'connect-noise', 'writer-suspect'],
  interrupted: ['transient'],
  'statement-timeout': ['transient'],
  deadlock: ['transient'],
  'lock-wait-timeout': ['transient'],
  'read-only': ['writer-suspect'],
  'packet-too-large': [],
  'host-blocked': [],
  'auth-failed': [],
  'not-connection-related': [],
});

/** Whether failures of `kind` have `trait` (see KindTrait). */
export function hasKindTrait(kind: ErrorKind, trait: KindTrait): boolean {
  return KIND_TRAITS[kind].includes(trait);
}
