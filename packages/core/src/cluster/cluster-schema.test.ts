import { describe, expect, it } from 'vitest';
import { isGoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { describeReceived } from '../policy/describe-received.js';
import { DEFAULT_POLICY, parsePolicy } from '../policy/parse-policy.js';

function issuesOf(options: unknown) {
  try {
    parsePolicy(options);
  } catch (error) {
    if (isGoneAwayConfigError(error)) return { issues: error.issues, message: error.message };
    throw error;
  }
  throw new Error('parsePolicy accepted the options');
}

describe('the cluster option', () => {
  it('is absent from the policy when not given: the parsed options are what they were before it existed', () => {
    expect('cluster' in parsePolicy()).toBe(false);
    expect('cluster' in parsePolicy({ retryReads: false })).toBe(false);
    expect(parsePolicy({ cluster: undefined })).toEqual(DEFAULT_POLICY);
    expect(Object.keys(DEFAULT_POLICY)).not.toContain('cluster');
  });

  it('parses strings and objects into { host, port }, defaulting the port and every setting', () => {
    const policy = parsePolicy({
      cluster: {
        hosts: ['127.0.0.1:3306', 'db2', { host: '127.0.0.3', port: 3307 }, '[::1]:3308'],
        flavor: 'galera',
      },
    });
    expect(policy.cluster).toEqual({
      hosts: [
        { host: '127.0.0.1', port: 3306 },
        { host: 'db2', port: 3306 },
        { host: '127.0.0.3', port: 3307 },
        { host: '::1', port: 3308 },
      ],
      flavor: 'galera',
      probeIntervalMs: 1000,
      probeTimeoutMs: 1000,
      downBackoffMs: { minMs: 500, maxMs: 5000 },
      readers: { enabled: false, maxLagMs: 5000, fallbackToWriter: true },
      readYourWrites: false,
    });
    expect(Object.isFrozen(policy.cluster?.hosts[0])).toBe(true);
    // A Policy is valid options: its parsed cluster parses to itself.
    expect(parsePolicy(policy)).toEqual(policy);
  });

  it('reads the hosts and flavor of the URL form, never the credentials', () => {
    const policy = parsePolicy({
      cluster: 'mysql://app:s3cr@t/x@127.0.0.1:3306,127.0.0.2:3307,db3/orders?flavor=replication&ssl=true',
    });
    expect(policy.cluster?.hosts).toEqual([
      { host: '127.0.0.1', port: 3306 },
      { host: '127.0.0.2', port: 3307 },
      { host: 'db3', port: 3306 },
    ]);
    expect(policy.cluster?.flavor).toBe('replication');
  });

  it('names the problem and the index of a bad host list', () => {
    expect(issuesOf({ cluster: { hosts: [], flavor: 'galera' } }).issues).toEqual([
      {
        path: 'cluster.hosts',
        expected: 'a list of at least one host (the list is empty)',
        received: 'an array of 0 items',
      },
    ]);
    const duplicate = issuesOf({
      cluster: { hosts: ['a:3306', 'b', { host: 'A', port: 3306 }], flavor: 'galera' },
    });
    expect(duplicate.issues).toEqual([
      {
        path: 'cluster.hosts.2',
        expected: 'a host:port not already in the list (hosts[2] repeats hosts[0])',
        received: 'an object',
      },
    ]);
    const ports = issuesOf({
      cluster: {
        hosts: ['a:0', { host: 'b', port: 70_000 }, 'c:33x', { host: 'd', port: 3.5 }],
        flavor: 'replication',
      },
    });
    expect(ports.issues.map((issue) => issue.path)).toEqual([
      'cluster.hosts.0',
      'cluster.hosts.1',
      'cluster.hosts.2',
      'cluster.hosts.3',
    ]);
    for (const [index, issue] of ports.issues.entries()) {
      expect(issue.expected).toBe(`hosts[${index}]: a port that is an integer from 1 to 65535`);
    }
    expect(
      issuesOf({ cluster: { hosts: ['', 'a b', 7, { host: 'x', user: 'u' }], flavor: 'galera' } }).issues,
    ).toEqual([
      {
        path: 'cluster.hosts.0',
        expected: "hosts[0]: a 'host:port' string, not an empty one",
        received: 'an empty string',
      },
      {
        path: 'cluster.hosts.1',
        expected: "hosts[1]: 'host:port' with a host name or IP address",
        received: 'a string of 3 characters',
      },
      {
        path: 'cluster.hosts.2',
        expected: "hosts[2]: a 'host:port' string or a { host, port } object",
        received: '7',
      },
      {
        path: 'cluster.hosts.3',
        expected: 'hosts[3]: a { host, port } object with no other keys',
        received: 'an object',
      },
    ]);
  });

  it('refuses an unknown flavor (suggesting a near one), a proxy list of several hosts, and min above max', () => {
    expect(issuesOf({ cluster: { hosts: ['a'], flavor: 'galara' } }).issues).toEqual([
      {
        path: 'cluster.flavor',
        expected: "one of 'galera', 'replication', 'proxy' (did you mean 'galera'?)",
        received: 'a string of 6 characters',
      },
    ]);
    expect(issuesOf({ cluster: { hosts: ['a'] } }).issues[0]?.path).toBe('cluster.flavor');
    expect(issuesOf({ cluster: { hosts: ['a', 'b'], flavor: 'proxy' } }).issues).toEqual([
      {
        path: 'cluster.hosts',
        expected:
          "exactly one host for flavor 'proxy' (the proxy's address; got 2: list the servers with 'galera' or 'replication')",
        received: 'an array of 2 items',
      },
    ]);
    expect(
      issuesOf({ cluster: { hosts: ['a'], flavor: 'galera', downBackoffMs: { minMs: 900, maxMs: 800 } } })
        .issues[0],
    ).toMatchObject({ path: 'cluster.downBackoffMs.minMs', received: '900' });
  });

  it('suggests known names for misspelt or misplaced cluster options', () => {
    expect(issuesOf({ cluster: { hosts: ['a'], flavor: 'galera', probeIntervallMs: 5 } }).issues[0]).toEqual({
      path: 'cluster.probeIntervallMs',
      expected: 'a known option (did you mean `cluster.probeIntervalMs`?)',
      received: 'an unknown option',
    });
    expect(issuesOf({ hosts: ['a'] }).issues[0]?.expected).toBe(
      'a known option (did you mean `cluster.hosts`?)',
    );
    expect(
      issuesOf({ cluster: { hosts: ['a'], flavor: 'galera', readers: { maxLag: 5 } } }).issues[0]?.path,
    ).toBe('cluster.readers.maxLag');
  });

  it('never echoes the URL or its password in a URL-form error', () => {
    const secret = 'Sup3rSecretPw';
    for (const url of [
      `mysql://root:${secret}@h1,h2/db?flavor=galerra`,
      `mysql://root:${secret}@h1,h2/db`,
      `mysql://root:${secret}@h1,,h2/db?flavor=galera`,
      `postgres://root:${secret}@h1/db?flavor=galera`,
      `mysql://root:${secret}@h1:99999,h2/db?flavor=galera`,
    ]) {
      const { issues, message } = issuesOf({ cluster: url });
      expect(issues.length, url).toBeGreaterThan(0);
      expect(message).not.toContain(secret);
      expect(JSON.stringify(issues)).not.toContain(secret);
      expect(JSON.stringify(issues)).not.toContain('root');
    }
    const emptyEntry = `mysql://u:${secret}@h1,,h2/db?flavor=galera`;
    expect(issuesOf({ cluster: emptyEntry }).issues[0]).toEqual({
      path: 'cluster',
      expected: 'a URL host list without an empty entry (host 1 is empty)',
      // Described by the one rule of every config error (by its shape, never shown).
      received: describeReceived(emptyEntry),
    });
    expect(issuesOf({ cluster: `mysql://u:${secret}@h1:99999,h2/db?flavor=galera` }).issues[0]?.path).toBe(
      'cluster.hosts.0',
    );
  });

  it('does not enforce loopback addresses (a rule of the tests, not of the library)', () => {
    expect(parsePolicy({ cluster: { hosts: ['10.0.0.5:3306'], flavor: 'proxy' } }).cluster?.hosts).toEqual([
      { host: '10.0.0.5', port: 3306 },
    ]);
  });
});

describe('role and cluster.readers', () => {
  const hosts = ['127.0.0.1:3306', '127.0.0.2:3306'];
  const problem = (options: unknown) => {
    try {
      parsePolicy(options);
    } catch (error) {
      return error as { code: string; message: string; issues: Array<{ path: string }> };
    }
    throw new Error('expected a GoneAwayConfigError');
  };

  it("defaults to 'writer'; 'reader' with a cluster whose readers are enabled", () => {
    expect(parsePolicy().role).toBe('writer');
    const policy = parsePolicy({
      cluster: { hosts, flavor: 'replication', readers: { enabled: true } },
      role: 'reader',
    });
    expect(policy.role).toBe('reader');
    // A writer pool of a cluster with readers: its monitor reads the replicas' lag.
    expect(parsePolicy({ cluster: { hosts, flavor: 'replication', readers: { enabled: true } } }).role).toBe(
      'writer',
    );
  });

  it('role without cluster is a GoneAwayConfigError naming role', () => {
    const error = problem({ role: 'reader' });
    expect(error.code).toBe('GONEAWAY_CONFIG');
    expect(error.issues.map((issue) => issue.path)).toEqual(['role']);
    expect(error.message).toMatch(/`cluster` option/);
  });

  it("role 'reader' with readers not enabled is a contradiction, named at cluster.readers.enabled", () => {
    for (const readers of [undefined, { enabled: false }]) {
      const error = problem({ cluster: { hosts, flavor: 'galera', readers }, role: 'reader' });
      expect(error.issues.map((issue) => issue.path)).toEqual(['cluster.readers.enabled']);
      expect(error.message).toMatch(/true with role 'reader'/);
    }
  });

  it("a proxy has no readers: role 'reader' or readers.enabled is refused", () => {
    const proxy = { hosts: ['127.0.0.1:6033'], flavor: 'proxy' as const };
    expect(
      problem({ cluster: { ...proxy, readers: { enabled: true } }, role: 'reader' }).issues[0]?.path,
    ).toBe('role');
    expect(problem({ cluster: { ...proxy, readers: { enabled: true } } }).issues[0]?.path).toBe(
      'cluster.readers.enabled',
    );
    expect(problem({ cluster: proxy, role: 'reader' }).message).toMatch(/no readers with flavor 'proxy'/);
  });

  it('a misspelt role is named with a suggestion', () => {
    const error = problem({
      cluster: { hosts, flavor: 'galera', readers: { enabled: true } },
      role: 'readr',
    });
    expect(error.message).toMatch(/did you mean 'reader'/);
  });
});
