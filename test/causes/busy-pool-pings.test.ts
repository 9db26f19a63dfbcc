import type { MariaDBServer } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Opened, SUBJECTS } from './subjects.js';
import { describeWithOwnServer, startCauseServer } from './support.js';

/** COM_PINGs the server answered (MariaDB counts them in Com_admin_commands): the truth, whoever sent them. */
async function serverPings(server: MariaDBServer): Promise<number> {
  const rows = await server.query<{ Value: string }>("show global status like 'Com_admin_commands'");
  return Number(rows[0]?.Value);
}

/** Each caller runs `statement` until `total` have been started between them. */
async function run(callers: number, total: number, statement: () => Promise<unknown>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (started < total) {
        started++;
        await statement();
      }
    }),
  );
}

// Not a fault but its price: a busy pool, whose connections are always used moments ago, costs no
// validation ping at all (goneaway pings only a connection idle past the bypass window). Own server:
// the ping count is the server's, global.
describeWithOwnServer('cause: none (a busy pool costs no ping)', () => {
  let server: MariaDBServer;
  beforeAll(async () => {
    server = await startCauseServer();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  describe.each(SUBJECTS)('$name', (subject) => {
    let db: Opened | undefined;
    afterEach(async () => {
      await db?.close().catch(() => undefined);
      db = undefined;
    });

    it.each(['goneaway', 'bare'] as const)(
      '%s: 1,000 statements and transactions back to back cost no ping',
      async (side) => {
        const opened = await subject.open(side, server.connection, { poolSize: 10 });
        db = opened;
        // Every connection of the pool made and used once.
        await run(10, 40, () => opened.read('select sleep(0.01)'));
        const before = await serverPings(server);
        // Callers never grow in number from one run to the next: a connection left aside while fewer
        // callers ran would be idle past the 500 ms bypass window on a slow machine, and pinged (rightly).
        await run(8, 400, () => opened.read('select ? as n', [1]));
        await run(8, 200, () => opened.insert('busy', 1));
        await run(8, 100, () => opened.transaction((tx) => tx.read('select count(*) from t')));
        await run(1, 300, () => opened.read('select 1'));
        expect((await serverPings(server)) - before).toBe(0);
        if (side === 'goneaway') expect(opened.stats().validationPings).toBe(0);
      },
    );
  });
});
