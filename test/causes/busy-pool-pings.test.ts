import type { MariaDBServer } from '@goneaway/test-harness';
import { describe, expect, it } from 'vitest';
import { SUBJECTS } from './subjects.js';
import { describeWithOwnServer, openEach, runCallers, serverPings, useCauseServer } from './support.js';

// Not a fault but its price: a busy pool, whose connections are always used moments ago, costs no
// validation ping at all (goneaway pings only a connection idle past the bypass window). Own server:
// the ping count is the server's, global.
describeWithOwnServer('cause: none (a busy pool costs no ping)', () => {
  let server: MariaDBServer;
  useCauseServer((started) => {
    server = started;
  });

  describe.each(SUBJECTS)('$name', (subject) => {
    const open = openEach(subject);

    it.each(['goneaway', 'bare'] as const)(
      '%s: 1,000 statements and transactions back to back cost no ping',
      async (side) => {
        const opened = await open(side, server.connection, { poolSize: 10 });
        // Every connection of the pool made and used once.
        await runCallers(10, 40, () => opened.read('select sleep(0.01)'));
        const before = await serverPings(server);
        // Callers never grow in number from one run to the next: a connection left aside while fewer
        // callers ran would be idle past the 500 ms bypass window on a slow machine, and pinged (rightly).
        await runCallers(8, 400, () => opened.read('select ? as n', [1]));
        await runCallers(8, 200, () => opened.insert('busy', 1));
        await runCallers(8, 100, () => opened.transaction((tx) => tx.read('select count(*) from t')));
        await runCallers(1, 300, () => opened.read('select 1'));
        expect((await serverPings(server)) - before).toBe(0);
        if (side === 'goneaway') expect(opened.stats().validationPings).toBe(0);
      },
    );
  });
});
