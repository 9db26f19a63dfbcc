import { GoneAwayConfigError } from '@goneaway/core';
import { sharedClusterMonitors } from '@goneaway/core/adapter';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { goneAwayMysql2 } from './wrap-mysql2.js';
import { userOf } from './writer-routing-for.js';

// Port 1 on loopback refuses at once: the monitor's probes fail fast and nothing is reached.
const cluster = { hosts: ['127.0.0.1:1', '127.0.0.2:1'], flavor: 'galera' as const, probeIntervalMs: 60_000 };

describe('goneAwayMysql2 with the cluster option', () => {
  it('each pool takes one lease on the shared monitor of its cluster and user; pool.end() gives it back', async () => {
    const before = sharedClusterMonitors.size;
    const wrapped = goneAwayMysql2(mysql2, { cluster });
    const first = wrapped.createPool({ user: 'lease-test', password: 'pw' });
    const second = wrapped.createPool({ user: 'lease-test', password: 'pw' });
    // Two pools of one cluster and user share a monitor.
    expect(sharedClusterMonitors.size).toBe(before + 1);
    const other = wrapped.createPool({ user: 'someone-else' });
    expect(sharedClusterMonitors.size).toBe(before + 2);
    await new Promise<void>((resolve, reject) => first.end((error) => (error ? reject(error) : resolve())));
    expect(sharedClusterMonitors.size).toBe(before + 2);
    await new Promise<void>((resolve, reject) => second.end((error) => (error ? reject(error) : resolve())));
    expect(sharedClusterMonitors.size).toBe(before + 1);
    await new Promise<void>((resolve, reject) => other.end((error) => (error ? reject(error) : resolve())));
    expect(sharedClusterMonitors.size).toBe(before);
  });

  it('a promise pool gives its lease back on end() too', async () => {
    const before = sharedClusterMonitors.size;
    const pool = goneAwayMysql2(mysql2Promise, { cluster }).createPool({ user: 'promise-lease' });
    expect(sharedClusterMonitors.size).toBe(before + 1);
    await pool.end();
    expect(sharedClusterMonitors.size).toBe(before);
  });

  it('the callback createConnection can not wait for the writer: a GoneAwayConfigError, no connection to a host that may be wrong', () => {
    const wrapped = goneAwayMysql2(mysql2, { cluster });
    const before = sharedClusterMonitors.size;
    expect(() => wrapped.createConnection({ user: 'app' })).toThrow(GoneAwayConfigError);
    expect(sharedClusterMonitors.size).toBe(before);
  });

  it('a promise createConnection with no writer to be found rejects typed within the budget and gives its lease back', async () => {
    const before = sharedClusterMonitors.size;
    const wrapped = goneAwayMysql2(mysql2Promise, { cluster, outageBudgetMs: 300 });
    await expect(wrapped.createConnection({ user: 'lone-no-writer' })).rejects.toMatchObject({
      code: 'GONEAWAY_UNAVAILABLE',
    });
    expect(sharedClusterMonitors.size).toBe(before);
  });

  it('reads the user a monitor is shared by from options or a URL', () => {
    expect(userOf({ user: 'app' })).toBe('app');
    expect(userOf('mysql://r%40x:pw@db/shop')).toBe('r@x');
    expect(userOf('not a url')).toBe('');
    expect(userOf(undefined)).toBe('');
    expect(userOf({ uri: 'mysql://from-uri@db/shop' })).toBe('from-uri');
    expect(userOf({ uri: 'mysql://from-uri@db/shop', user: 'explicit' })).toBe('explicit');
  });
});
