import type { MariaDBServer } from '@goneaway/test-harness';
import { describe, expect, it } from 'vitest';
import { codeOf, type Opened, SUBJECTS } from './subjects.js';
import { describeWithOwnServer, openEach, rowsOf, sleep, useCauseServer } from './support.js';

/** What a bare library writes to its own logger when it finds a killed idle connection. */
const BARE_LOGS: Record<string, RegExp | undefined> = { knex: /Connection Error/ };

// KILL of every idle connection of the pool (a DBA, a proxy, a failover): with goneaway the reads
// and the write that follow all succeed on fresh connections, and nothing is logged.
describeWithOwnServer('cause: KILL of idle connections', () => {
  let server: MariaDBServer;
  useCauseServer((started) => {
    server = started;
  });

  /** Three connections made and left idle, all KILLed; then 5 reads and a write. */
  async function afterIdleKill(db: Opened, key: string) {
    await Promise.all([1, 2, 3].map(() => db.read('select sleep(0.05)')));
    const killed = await server.killConnections();
    await sleep(50);
    const results = await Promise.allSettled([
      ...[1, 2, 3, 4, 5].map((n) => db.read('select ? as n', [n])),
      db.insert(key, 1),
    ]);
    return { killed, results };
  }

  describe.each(SUBJECTS)('$name', (subject) => {
    const open = openEach(subject);

    it('goneaway: the reads and the write after the KILL all succeed on fresh connections; nothing logged', async () => {
      const db = await open('goneaway', server.connection, { poolSize: 3 });
      const key = `${subject.tag}-idle-kill`;
      const { killed, results } = await afterIdleKill(db, key);
      expect(killed).toBe(3);
      expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
      expect(
        results.slice(0, 5).map((r) => r.status === 'fulfilled' && (r.value as Array<{ n: number }>)[0]?.n),
      ).toEqual([1, 2, 3, 4, 5]);
      expect(await rowsOf(server, key)).toBe(1);
      expect(db.logged()).toEqual([]);
      // knex hands every killed connection to goneaway's validation (the others' pools drop a closed
      // idle socket themselves, before goneaway sees it).
      if (subject.tag === 'knex') expect(db.events.filter((e) => e.type === 'evicted')).toHaveLength(3);
    });

    it('bare (control): the same KILL', async () => {
      const db = await open('bare', server.connection, { poolSize: 3 });
      const { killed, results } = await afterIdleKill(db, `${subject.tag}-idle-kill-bare`);
      expect(killed).toBe(3);
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(codeOf(r.reason))] : []));
      console.info(
        `${subject.name} bare, KILL of idle connections: ${failed.length} of 6 failed ${JSON.stringify(failed)}; logged ${JSON.stringify(db.logged().slice(0, 2))}`,
      );
      expect(failed.filter((code) => code.startsWith('GONEAWAY_'))).toEqual([]);
      // mariadb's pool usually drops a killed idle connection before it is handed out; a read that
      // races the close fails with Prisma's code for a driver error.
      if (subject.tag === 'prisma') for (const code of failed) expect(['P2039', 'P1017']).toContain(code);
      const logs = BARE_LOGS[subject.tag];
      if (logs === undefined) expect(db.logged()).toEqual([]);
      else expect(db.logged().some((line) => logs.test(line))).toBe(true);
    });
  });
});
