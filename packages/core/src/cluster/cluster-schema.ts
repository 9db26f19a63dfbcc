import * as z from 'zod';
import { MAX_TIMER_MS } from '../policy/max-timer-ms.js';
import { type ClusterHost, type ClusterOptions, type ClusterPolicy, hostKey } from './cluster-options.js';
import { CLUSTER_FLAVORS, parseClusterUrl } from './parse-cluster-url.js';
import { parseHostAddress } from './parse-host-address.js';

/**
 * The zod schema of the `cluster` option, part of policy-schema.ts (private: zod stays out of the
 * public API). The field accepts the object form or the URL form; both go through one object
 * schema, whose issues keep their paths so parsePolicy names `cluster.hosts.2` and suggests names.
 * Loopback-only is not enforced here: that is a rule of this repository's tests, not of the library.
 */

const positiveMs = z.number().positive().max(MAX_TIMER_MS);

const hostList = z.array(z.unknown()).superRefine((hosts, context) => {
  if (hosts.length === 0) {
    context.addIssue({ code: 'custom', message: 'a list of at least one host (the list is empty)' });
    return;
  }
  const seen = new Map<string, number>();
  hosts.forEach((entry, index) => {
    const parsed = parseHostAddress(entry);
    if (!parsed.ok) {
      context.addIssue({ code: 'custom', path: [index], message: `hosts[${index}]: ${parsed.problem}` });
      return;
    }
    // Host names compare case-insensitively; different names for one machine are not resolved here.
    const key = hostKey({ host: parsed.host.host.toLowerCase(), port: parsed.host.port });
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else {
      context.addIssue({
        code: 'custom',
        path: [index],
        message: `a host:port not already in the list (hosts[${index}] repeats hosts[${first}])`,
      });
    }
  });
});

const clusterObjectSchema = z
  .strictObject({
    hosts: hostList,
    flavor: z.enum(CLUSTER_FLAVORS as ['galera', 'replication', 'proxy']),
    probeIntervalMs: positiveMs.default(1000),
    probeTimeoutMs: positiveMs.default(1000),
    downBackoffMs: z
      .strictObject({ minMs: positiveMs.default(500), maxMs: positiveMs.default(5000) })
      .prefault({}),
    readers: z
      .strictObject({
        enabled: z.boolean().default(false),
        maxLagMs: positiveMs.default(5000),
        fallbackToWriter: z.boolean().default(true),
      })
      .prefault({}),
    readYourWrites: z.boolean().default(false),
  })
  .superRefine((cluster, context) => {
    if (cluster.flavor === 'proxy' && cluster.hosts.length > 1) {
      context.addIssue({
        code: 'custom',
        path: ['hosts'],
        message: `exactly one host for flavor 'proxy' (the proxy's address; got ${cluster.hosts.length}: list the servers with 'galera' or 'replication')`,
      });
    }
    if (cluster.downBackoffMs.minMs > cluster.downBackoffMs.maxMs) {
      context.addIssue({
        code: 'custom',
        path: ['downBackoffMs', 'minMs'],
        message: `a number of milliseconds no larger than cluster.downBackoffMs.maxMs (${cluster.downBackoffMs.maxMs})`,
      });
    }
  });

/** `cluster` as policy-schema.ts holds it: the object or the URL form in, a ClusterPolicy out. */
export const clusterSchema = z
  .custom<ClusterOptions | string>(() => true)
  .transform((input, context): ClusterPolicy => {
    let candidate: unknown = input;
    if (typeof input === 'string') {
      const fromUrl = parseClusterUrl(input);
      if (!fromUrl.ok) {
        context.issues.push({ code: 'custom', path: [], message: fromUrl.problem, input: undefined });
        return z.NEVER;
      }
      candidate = fromUrl.options;
    }
    const result = clusterObjectSchema.safeParse(candidate);
    if (!result.success) {
      // Pushed as they are: the enclosing object schema prefixes `cluster` to each path.
      for (const issue of result.error.issues) context.issues.push({ ...issue, input: undefined });
      return z.NEVER;
    }
    const hosts = result.data.hosts.map((entry) => {
      const parsed = parseHostAddress(entry);
      // Every entry passed hostList's check above.
      if (!parsed.ok) throw new TypeError('unreachable: a host passed the schema and failed to parse');
      return parsed.host satisfies ClusterHost;
    });
    return { ...result.data, hosts };
  });

const timerMs = `(at most ${MAX_TIMER_MS})`;

/** What each cluster option accepts, by dotted path (merged into policy-schema.ts's EXPECTED). */
export const CLUSTER_EXPECTED: Readonly<Record<string, string>> = {
  cluster: `an object { hosts, flavor, … } or a 'mysql://user:pw@h1:3306,h2:3306/db?flavor=galera' URL`,
  'cluster.hosts': "a list of 'host:port' strings or { host, port } objects",
  'cluster.flavor': `one of ${CLUSTER_FLAVORS.map((flavor) => `'${flavor}'`).join(', ')}`,
  'cluster.probeIntervalMs': `a positive number of milliseconds ${timerMs}`,
  'cluster.probeTimeoutMs': `a positive number of milliseconds ${timerMs}`,
  'cluster.downBackoffMs': 'an object { minMs?, maxMs? }',
  'cluster.downBackoffMs.minMs': `a positive number of milliseconds ${timerMs}`,
  'cluster.downBackoffMs.maxMs': `a positive number of milliseconds ${timerMs}`,
  'cluster.readers': 'an object { enabled?, maxLagMs?, fallbackToWriter? }',
  'cluster.readers.enabled': 'true or false',
  'cluster.readers.maxLagMs': `a positive number of milliseconds ${timerMs}`,
  'cluster.readers.fallbackToWriter': 'true or false',
  'cluster.readYourWrites': 'true or false',
};

export const CLUSTER_KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  cluster: [
    'hosts',
    'flavor',
    'probeIntervalMs',
    'probeTimeoutMs',
    'downBackoffMs',
    'readers',
    'readYourWrites',
  ],
  'cluster.downBackoffMs': ['minMs', 'maxMs'],
  'cluster.readers': ['enabled', 'maxLagMs', 'fallbackToWriter'],
};

export const CLUSTER_WORD_VALUES: Readonly<Record<string, readonly string[]>> = {
  'cluster.flavor': CLUSTER_FLAVORS,
};
