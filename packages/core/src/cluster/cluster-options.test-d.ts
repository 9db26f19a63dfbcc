import { describe, expectTypeOf, it } from 'vitest';
import type { Policy } from '../policy/options.js';
import { parsePolicy } from '../policy/parse-policy.js';
import type {
  ClusterOptions,
  ClusterPolicy,
  ClusterRole,
  ClusterStats,
  GoneAwayOptions,
  HostState,
} from '../public.js';

describe('the cluster option types', () => {
  it('accepts the object form (a readonly list too) and the URL form', () => {
    const hosts = ['127.0.0.1:3306', { host: '127.0.0.2', port: 3307 }, { host: 'db3' }] as const;
    expectTypeOf({ cluster: { hosts, flavor: 'galera' } } as const).toExtend<GoneAwayOptions>();
    expectTypeOf({ cluster: 'mysql://u:p@h1,h2/db?flavor=replication' }).toExtend<GoneAwayOptions>();
    // @ts-expect-error an unknown flavor
    const badFlavor: ClusterOptions = { hosts: ['a'], flavor: 'mysql' };
    // @ts-expect-error hosts are required
    const noHosts: ClusterOptions = { flavor: 'proxy' };
    void badFlavor;
    void noHosts;
  });

  it('parses to an optional, readonly ClusterPolicy', () => {
    const policy = parsePolicy({ cluster: { hosts: ['a'], flavor: 'proxy' } });
    expectTypeOf(policy.cluster).toEqualTypeOf<ClusterPolicy | undefined>();
    expectTypeOf<ClusterPolicy['hosts'][number]>().toEqualTypeOf<{
      readonly host: string;
      readonly port: number;
    }>();
    if (policy.cluster !== undefined) {
      // @ts-expect-error a parsed host list is frozen
      policy.cluster.hosts.push({ host: 'b', port: 1 });
    }
  });

  it('names exactly the seven host states', () => {
    expectTypeOf<HostState>().toEqualTypeOf<
      'up' | 'suspect' | 'down' | 'read-only' | 'desynced' | 'non-primary' | 'lagging'
    >();
  });

  it("role is 'writer' or 'reader', optional in the options, always there in a Policy", () => {
    expectTypeOf<ClusterRole>().toEqualTypeOf<'writer' | 'reader'>();
    expectTypeOf<GoneAwayOptions['role']>().toEqualTypeOf<ClusterRole | undefined>();
    expectTypeOf<Policy['role']>().toEqualTypeOf<ClusterRole>();
    const cluster = { hosts: ['a', 'b'], flavor: 'replication', readers: { enabled: true } } as const;
    expectTypeOf({ cluster, role: 'reader' } as const).toExtend<GoneAwayOptions>();
    // @ts-expect-error not a role
    const replica: GoneAwayOptions = { cluster, role: 'replica' };
    void replica;
    expectTypeOf<ClusterStats['role']>().toEqualTypeOf<'writer' | 'reader'>();
    expectTypeOf<ClusterStats['targets']>().toEqualTypeOf<readonly string[]>();
  });
});
