import * as z from 'zod';
import {
  CLUSTER_EXPECTED,
  CLUSTER_KNOWN_KEYS,
  CLUSTER_WORD_VALUES,
  clusterSchema,
} from '../cluster/cluster-schema.js';
import { MAX_TIMER_MS } from './max-timer-ms.js';

/**
 * The one zod schema for GoneAwayOptions. Private: zod types never reach the public API (options.ts
 * declares the plain types, parse-policy.ts the function). Each leaf's human description lives in
 * EXPECTED, keyed by its dotted path, so messages stay ours and do not change with zod's wording.
 */

export { MAX_TIMER_MS };

const positiveMs = z.number().positive().max(MAX_TIMER_MS);
const nonNegativeMs = z.number().min(0).max(MAX_TIMER_MS);
/** Compared against the clock, never handed to a timer: no timer cap. */
const positiveDurationMs = z.number().positive();
const autoOrMs = z.union([z.literal('auto'), z.literal(false), positiveDurationMs]);
const offOrMs = z.union([z.literal(false), positiveMs]);

export const policySchema = z
  .strictObject({
    retryReads: z.boolean().default(true),
    retryWrites: z.enum(['when-not-sent', 'never']).default('when-not-sent'),
    outageBudgetMs: nonNegativeMs.default(5000),
    backoff: z
      .strictObject({
        initialDelayMs: positiveMs.default(25),
        maxDelayMs: positiveMs.default(1000),
      })
      .prefault({}),
    validation: z
      .strictObject({
        bypassWindowMs: nonNegativeMs.default(500),
        pingTimeoutMs: z.union([z.literal('auto'), positiveMs]).default('auto'),
      })
      .prefault({}),
    idleLimitMs: autoOrMs.default('auto'),
    maxLifetimeMs: autoOrMs.default('auto'),
    packetGuard: z.boolean().default(true),
    statementTimeoutMs: offOrMs.default(false),
    circuitBreaker: z.strictObject({ probeIntervalMs: positiveMs.default(1000) }).prefault({}),
    keepAliveInitialDelayMs: offOrMs.default(30_000),
    evictOnReadOnly: z.boolean().default(true),
    connectTimeoutMs: positiveMs.default(10_000),
    name: z.string().min(1).max(100).default('default'),
    // No default: without `cluster` the parsed policy has no `cluster` key, exactly as before it existed.
    cluster: clusterSchema.optional(),
    role: z.enum(['writer', 'reader']).default('writer'),
  })
  .superRefine((policy, context) => {
    // Cross-field checks run only once every field is valid on its own (zod skips refinements otherwise).
    if (policy.backoff.initialDelayMs > policy.backoff.maxDelayMs) {
      context.addIssue({
        code: 'custom',
        path: ['backoff', 'initialDelayMs'],
        message: `a number of milliseconds no larger than backoff.maxDelayMs (${policy.backoff.maxDelayMs})`,
      });
    }
    checkReaderOptions(policy, context);
  });

/**
 * `role` and `cluster.readers` must agree, so that no reader option is silently ignored: a reader
 * pool needs a cluster whose readers are enabled (what turns on the replicas' lag reading of the
 * shared monitor), and a proxy has no readers to choose from.
 */
function checkReaderOptions(
  policy: {
    role: 'writer' | 'reader';
    cluster?: { flavor: string; readers: { enabled: boolean } } | undefined;
  },
  context: z.RefinementCtx,
): void {
  const { cluster, role } = policy;
  if (cluster === undefined) {
    if (role === 'reader') {
      context.addIssue({
        code: 'custom',
        path: ['role'],
        message:
          "'writer' (the default) without the `cluster` option: role 'reader' reads from a cluster's readers",
      });
    }
    return;
  }
  if (cluster.flavor === 'proxy' && (role === 'reader' || cluster.readers.enabled)) {
    context.addIssue({
      code: 'custom',
      path: role === 'reader' ? ['role'] : ['cluster', 'readers', 'enabled'],
      message:
        "no readers with flavor 'proxy' (one address: goneaway cannot choose a host behind it; give the proxy's read address as a second pool without role, or list the servers with 'galera' or 'replication')",
    });
    return;
  }
  if (role === 'reader' && !cluster.readers.enabled) {
    context.addIssue({
      code: 'custom',
      path: ['cluster', 'readers', 'enabled'],
      message:
        "true with role 'reader' (cluster.readers.enabled is false: the cluster has no readers to use)",
    });
  }
}

const timerMs = `(at most ${MAX_TIMER_MS})`;

/** What each option accepts, in words, by dotted path ('' is the options object itself). */
export const EXPECTED: Readonly<Record<string, string>> = {
  '': 'an options object (or undefined)',
  retryReads: 'true or false',
  retryWrites: `'when-not-sent' or 'never'`,
  outageBudgetMs: `a number of milliseconds >= 0 ${timerMs}`,
  backoff: 'an object { initialDelayMs?, maxDelayMs? }',
  'backoff.initialDelayMs': `a positive number of milliseconds ${timerMs}`,
  'backoff.maxDelayMs': `a positive number of milliseconds ${timerMs}`,
  validation: 'an object { bypassWindowMs?, pingTimeoutMs? }',
  'validation.bypassWindowMs': `a number of milliseconds >= 0 ${timerMs}`,
  'validation.pingTimeoutMs': `'auto' or a positive number of milliseconds ${timerMs}`,
  idleLimitMs: `'auto', false or a positive number of milliseconds`,
  maxLifetimeMs: `'auto', false or a positive number of milliseconds`,
  packetGuard: 'true or false',
  statementTimeoutMs: `false or a positive number of milliseconds ${timerMs}`,
  circuitBreaker: 'an object { probeIntervalMs? }',
  'circuitBreaker.probeIntervalMs': `a positive number of milliseconds ${timerMs}`,
  keepAliveInitialDelayMs: `false or a positive number of milliseconds ${timerMs}`,
  evictOnReadOnly: 'true or false',
  connectTimeoutMs: `a positive number of milliseconds ${timerMs}`,
  name: 'a non-empty string of at most 100 characters',
  role: `'writer' or 'reader'`,
  ...CLUSTER_EXPECTED,
};

/** The option names accepted at each level ('' is the top level), for "did you mean". */
export const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(EXPECTED).filter((path) => path !== '' && !path.includes('.')),
  backoff: ['initialDelayMs', 'maxDelayMs'],
  validation: ['bypassWindowMs', 'pingTimeoutMs'],
  circuitBreaker: ['probeIntervalMs'],
  ...CLUSTER_KNOWN_KEYS,
};

/** The word values an option accepts, for "did you mean" on a misspelt one. */
export const WORD_VALUES: Readonly<Record<string, readonly string[]>> = {
  retryWrites: ['when-not-sent', 'never'],
  role: ['writer', 'reader'],
  idleLimitMs: ['auto'],
  maxLifetimeMs: ['auto'],
  'validation.pingTimeoutMs': ['auto'],
  ...CLUSTER_WORD_VALUES,
};
