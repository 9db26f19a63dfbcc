import { setTimeout as delay } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../packages/core/src/classification/classify.js';
import { createEventHub } from '../../packages/core/src/events/event-hub.js';
import type { GoneAwayEvent } from '../../packages/core/src/events/event-types.js';
import { subscribe } from '../../packages/core/src/events/goneaway-channel.js';
import { describeSql } from '../../packages/core/src/redaction/describe-sql.js';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  startMariaDB,
} from '../harness/src/index.js';

/**
 * Events carrying classifications of real failures: counted per kind and reason, delivered on the
 * goneaway:event channel, serialisable, and free of the values the failing SQL carried.
 */

const SECRET = 'evt-S3cret-9001';

describe.skipIf(!canControlServers)('events from real failures', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);

  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB();
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('counts and publishes what a KILL and a KILL QUERY produced', async () => {
    const victim = await mysql.createConnection(server.connection);
    victim.on('error', () => undefined);
    const sql = `SELECT SLEEP(30), '${SECRET}' AS note`;
    const killedMidQuery = victim.query(sql).then(
      () => undefined,
      (error: unknown) => error,
    );
    await delay(200);
    for (const id of await server.processIds()) await server.query(`KILL ${id}`);
    const lost = await killedMidQuery;

    const interruptedConnection = await mysql.createConnection(server.connection);
    const interruptedQuery = interruptedConnection
      .query('SELECT SLEEP(30) FROM (SELECT 1 UNION SELECT 2) AS t')
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    await delay(200);
    for (const id of await server.processIds()) await server.query(`KILL QUERY ${id}`);
    const interrupted = await interruptedQuery;
    await interruptedConnection.end();

    const hub = createEventHub('orders-db');
    const published: GoneAwayEvent[] = [];
    const off = subscribe((event) => {
      if (event.source === 'orders-db') published.push(event);
    });
    try {
      hub.emit({
        type: 'retry',
        attempt: 1,
        delayMs: 12,
        elapsedMs: 15,
        classification: classify(lost),
        statement: describeSql(sql),
      });
      hub.emit({
        type: 'evicted',
        reason: 'error',
        connectionId: undefined,
        ageMs: 1_000,
        idleMs: 0,
        classification: classify(lost),
      });
      hub.emit({
        type: 'evicted',
        reason: 'disposed',
        connectionId: undefined,
        ageMs: 10,
        idleMs: 0,
        classification: classify(interrupted),
      });
    } finally {
      off();
    }

    const stats = hub.stats();
    expect(stats.events).toMatchObject({ retry: 1, evicted: 2 });
    expect(stats.evictions).toMatchObject({ error: 1, disposed: 1 });
    expect(stats.kinds).toMatchObject({ 'connection-lost': 2, interrupted: 1 });
    expect(stats.retries).toBe(1);

    expect(published.map((event) => event.type)).toEqual(['retry', 'evicted', 'evicted']);
    const json = JSON.stringify(published);
    expect(json).not.toContain(SECRET);
    expect(JSON.parse(json)[0]).toMatchObject({
      type: 'retry',
      source: 'orders-db',
      statement: 'SELECT SLEEP(?), ? AS `?`',
      classification: { kind: 'connection-lost', code: 'PROTOCOL_CONNECTION_LOST' },
    });
  });
});
