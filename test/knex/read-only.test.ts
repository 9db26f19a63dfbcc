import { classify } from '@goneaway/knex';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer, open } from './support.js';

// Behaviour 12 of the knex plugin: the server turned read-only (a failover demoted it).
describeWithOwnServer('server turned read-only', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB();
    await server.query('create table goneaway.ro (id int auto_increment primary key, v int)');
  });
  afterEach(async () => {
    await server.query('set global read_only = 0');
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('goneaway: the write fails with a classified read-only error, the connection is evicted with an event', async () => {
    const { db, events } = open('goneaway', { connection: server.connection, pool: { min: 0, max: 1 } });
    try {
      const [[before]] = await db.raw('select connection_id() as id');
      await server.query('set global read_only = 1');
      const error = await db('ro')
        .insert({ v: 1 })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(classify(error).kind).toBe('read-only');
      expect((error as { errno?: number }).errno).toBe(1290);
      // After a failover DNS points at the new primary: the old connection must not be reused.
      const [[after]] = await db.raw('select connection_id() as id');
      expect(after.id).not.toBe(before.id);
      expect(events.some((e) => e.type === 'evicted' && e.reason === 'read-only')).toBe(true);
      await server.query('set global read_only = 0');
      await db('ro').insert({ v: 2 });
    } finally {
      await db.destroy();
    }
  });

  it('bare knex (control): the connection that hit read-only stays in the pool', async () => {
    const { db } = open('bare', { connection: server.connection, pool: { min: 0, max: 1 } });
    try {
      const [[before]] = await db.raw('select connection_id() as id');
      await server.query('set global read_only = 1');
      await db('ro')
        .insert({ v: 1 })
        .catch(() => undefined);
      const [[after]] = await db.raw('select connection_id() as id');
      expect(after.id).toBe(before.id);
    } finally {
      await db.destroy();
    }
  });
});
