import { type GoneAwayEvent, goneAway, subscribeTo } from '@goneaway/knex';
import { subscribeTo as subscribeToPool, wrapMysql2 } from '@goneaway/mysql2';
import knex, { type Knex } from 'knex';
import mysql2 from 'mysql2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer, type MariaDBServer, startMariaDB } from '../harness/src/index.js';

// With the `cluster` option, one failure on the writer (a KILLed connection, a lost one) makes the
// monitor probe it at once: the writer is `suspect` until the probe answers. Other connections to it
// must go on meanwhile: a transaction open on another connection is not lost because a neighbour died.
describeWithOwnServer(
  'with cluster: one failure on the writer does not cost other connections their transactions',
  () => {
    let server: MariaDBServer;

    beforeAll(async () => {
      server = await startMariaDB();
      await server.query('CREATE TABLE goneaway.suspect_t (id INT PRIMARY KEY) ENGINE=InnoDB');
    });
    afterAll(async () => {
      await server?.destroy();
    });

    const clusterOf = () => ({
      hosts: [`127.0.0.1:${server.port}`],
      flavor: 'replication' as const,
      probeIntervalMs: 60_000,
    });

    /** Ids of the sessions running `select sleep(…)`: the victim to KILL. */
    async function sleepingSessions(): Promise<number[]> {
      const rows = await server.query<{ id: number }>(
        "select id from information_schema.processlist where info like 'select sleep(%'",
      );
      return rows.map((row) => Number(row.id));
    }

    async function waitForSleeper(): Promise<number> {
      for (let attempt = 0; attempt < 500; attempt++) {
        const [id] = await sleepingSessions();
        if (id !== undefined) return id;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error('no session ran select sleep(…)');
    }

    it('knex: a transaction on one connection commits when another connection is KILLed mid-statement', async () => {
      const db: Knex = knex(
        goneAway(
          { client: 'mysql2', connection: { ...server.connection }, pool: { min: 0, max: 4 } },
          { name: 'suspect-knex', cluster: clusterOf() },
        ),
      );
      const events: GoneAwayEvent[] = [];
      try {
        const outcome = await db.transaction(async (trx) => {
          await trx('goneaway.suspect_t').insert({ id: 1 });
          let second: Promise<unknown> | undefined;
          // The moment the writer turns suspect (the KILL seen), the transaction sends its next statement.
          const unsubscribe = subscribeTo(db, (event) => {
            events.push(event);
            if (event.type === 'host-state-changed' && event.to === 'suspect' && second === undefined) {
              // A knex builder runs again on every then(): one promise, awaited below.
              second = trx('goneaway.suspect_t')
                .insert({ id: 2 })
                .then(() => undefined);
              second.catch(() => undefined);
            }
          });
          const victim = db.raw('select sleep(3)').then(() => undefined);
          victim.catch(() => undefined);
          await server.query(`KILL ${await waitForSleeper()}`);
          // The killed read is run again once the probe answers; the transaction went on meanwhile.
          await victim;
          unsubscribe();
          expect(second).toBeDefined();
          await second;
          return 'committed';
        });
        expect(outcome).toBe('committed');
        const rows = await server.query<{ id: number }>('select id from goneaway.suspect_t order by id');
        expect(rows.map((row) => Number(row.id))).toEqual([1, 2]);
        const states = events.flatMap((event) => (event.type === 'host-state-changed' ? [event.to] : []));
        expect(states).toContain('suspect');
        expect(states.at(-1)).toBe('up');
        expect(events.filter((event) => event.type === 'writer-changed' && event.to === undefined)).toEqual(
          [],
        );
      } finally {
        await db.destroy();
        await server.query('DELETE FROM goneaway.suspect_t');
      }
    });

    it('mysql2: a transaction on a held connection commits when another connection is KILLed mid-statement', async () => {
      const pool = wrapMysql2(mysql2, { name: 'suspect-mysql2', cluster: clusterOf() })
        .createPool({ ...server.connection, connectionLimit: 4 })
        .promise();
      const events: GoneAwayEvent[] = [];
      try {
        const connection = await pool.getConnection();
        try {
          await connection.beginTransaction();
          await connection.query('INSERT INTO goneaway.suspect_t (id) VALUES (1)');
          let second: Promise<unknown> | undefined;
          const unsubscribe = subscribeToPool(pool, (event) => {
            events.push(event);
            if (event.type === 'host-state-changed' && event.to === 'suspect' && second === undefined) {
              second = connection.query('INSERT INTO goneaway.suspect_t (id) VALUES (2)');
              second.catch(() => undefined);
            }
          });
          const victim = pool.query('select sleep(3)');
          victim.catch(() => undefined);
          await server.query(`KILL ${await waitForSleeper()}`);
          await victim;
          unsubscribe();
          expect(second).toBeDefined();
          await second;
          await connection.commit();
        } finally {
          connection.release();
        }
        const rows = await server.query<{ id: number }>('select id from goneaway.suspect_t order by id');
        expect(rows.map((row) => Number(row.id))).toEqual([1, 2]);
        expect(events.some((event) => event.type === 'host-state-changed' && event.to === 'suspect')).toBe(
          true,
        );
      } finally {
        await pool.end();
        await server.query('DELETE FROM goneaway.suspect_t');
      }
    });
  },
);
