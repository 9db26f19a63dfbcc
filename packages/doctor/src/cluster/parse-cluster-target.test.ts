import { describe, expect, it } from 'vitest';
import { isDoctorUsageError } from '../doctor-usage-error.js';
import { parseClusterTarget } from './parse-cluster-target.js';

const SECRET = 'Cl-s3cret@x';

function usageMessage(url: string): string {
  try {
    parseClusterTarget(url);
  } catch (error) {
    if (isDoctorUsageError(error)) return error.message;
    throw error;
  }
  throw new Error('no usage error');
}

describe('parseClusterTarget', () => {
  it('a one-server URL is not a cluster', () => {
    expect(parseClusterTarget('mysql://u:p@127.0.0.1:3306/db')).toBeUndefined();
    expect(parseClusterTarget('mysql://u:p@127.0.0.1:3306/db?ssl=true')).toBeUndefined();
  });

  it('reads the hosts and flavor with core, and the credentials as for one server', () => {
    const target = parseClusterTarget(
      `mysql://app:${encodeURIComponent(SECRET)}@127.0.0.1:3307,127.0.0.1:3308,db3/shop?flavor=galera&ssl=true`,
    );
    expect(target?.cluster.flavor).toBe('galera');
    expect(target?.cluster.hosts).toEqual([
      { host: '127.0.0.1', port: 3307 },
      { host: '127.0.0.1', port: 3308 },
      { host: 'db3', port: 3306 },
    ]);
    expect(target?.credentials).toMatchObject({ user: 'app', password: SECRET, database: 'shop', ssl: true });
    expect(target?.redacted).toBe(
      'mysql://app:***@127.0.0.1:3307,127.0.0.1:3308,db3:3306/shop?flavor=galera&ssl=true',
    );
  });

  it('bad lists are usage errors that never quote the password', () => {
    const messages = [
      usageMessage(`mysql://app:${SECRET}@h1:3306,h2:3306/db`),
      usageMessage(`mysql://app:${SECRET}@h1:3306,h2:3306/db?flavor=mesh`),
      usageMessage(`mysql://app:${SECRET}@h1:3306,,h2/db?flavor=galera`),
      usageMessage(`mysql://app:${SECRET}@h1:3306,h1:3306/db?flavor=galera`),
      usageMessage(`mysql://app:${SECRET}@h1:99999/db?flavor=replication`),
      usageMessage(`mysql://app:${SECRET}@h1:3306,h2/db?flavor=proxy`),
    ];
    expect(messages[0]).toMatch(/add \?flavor=/);
    expect(messages[1]).toMatch(/flavor/);
    expect(messages[3]).toMatch(/repeats/);
    expect(messages[5]).toMatch(/exactly one host/);
    for (const message of messages) expect(message).not.toContain('s3cret');
  });
});
