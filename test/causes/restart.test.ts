import type { FaultProxy, MariaDBServer } from '@goneaway/test-harness';
import { describe, expect, it } from 'vitest';
import { codeOf, type Side, SUBJECTS } from './subjects.js';
import { describeWithOwnServer, openEach, sleep, useCauseServer } from './support.js';

const DOWN_MS = 1_500;
const RUN_MS = 4_000;

/**
 * Connects the proxy may see during the outage through goneaway: the reconnect gate's probes (at
 * least 100 ms apart once past a ramp of a handful) and the 4 workers' own connects once the server
 * is back; under Prisma, mariadb's own single-flight creation and its 4 connections.
 */
const connectBound = (tag: string, outageMs: number) =>
  tag === 'prisma' ? Math.ceil(outageMs / 100) + 8 : 6 + Math.ceil(outageMs / 100) + 4;

// The server SIGKILLed and back 1.5 s later under 4 readers: through goneaway no read fails and the
// connects stay bounded by the backoff; a bare pool surfaces an error and a connect per read.
describeWithOwnServer('cause: a server restart under load', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;
  useCauseServer((started, proxied) => {
    server = started;
    proxy = proxied;
  });

  describe.each(SUBJECTS)('$name', (subject) => {
    const open = openEach(subject);

    /** 4 workers read through the model in a loop; the server is SIGKILLed after 500 ms. */
    async function restartUnderLoad(side: Side) {
      const opened = await open(side, proxy.route(server.connection), { poolSize: 4 });
      const errors: unknown[] = [];
      let ok = 0;
      let stop = false;
      let upAt = Number.POSITIVE_INFINITY;
      let firstOkAfterUp = Number.POSITIVE_INFINITY;
      await Promise.all([1, 2, 3, 4].map(() => opened.count('restart')));
      const worker = async () => {
        while (!stop) {
          try {
            await opened.count('restart');
            ok++;
            const now = performance.now();
            if (now >= upAt && firstOkAfterUp === Number.POSITIVE_INFINITY) firstOkAfterUp = now - upAt;
          } catch (error) {
            errors.push(error);
            await sleep(5);
          }
        }
      };
      const workers = [worker(), worker(), worker(), worker()];
      try {
        await sleep(500);
        const connectsBefore = proxy.stats.accepted;
        await server.kill();
        const downAt = performance.now();
        await sleep(DOWN_MS);
        await server.start();
        upAt = performance.now();
        const connectsDuringOutage = proxy.stats.accepted - connectsBefore;
        // At least 500 ms of reads after the server is back, however long its start took.
        await sleep(Math.max(500, RUN_MS - 500 - (upAt - downAt)));
        stop = true;
        await Promise.all(workers);
        return { ok, errors, connectsDuringOutage, firstOkAfterUp, outageMs: upAt - downAt, opened };
      } finally {
        stop = true;
        await Promise.all(workers);
      }
    }

    it('goneaway: zero errors; the first read soon after the server is back; connects bounded by the backoff', async () => {
      const { ok, errors, connectsDuringOutage, firstOkAfterUp, outageMs, opened } =
        await restartUnderLoad('goneaway');
      console.info(
        `${subject.name} restart: ${ok} reads, ${connectsDuringOutage} connects during a ${Math.round(outageMs)} ms outage, first read ${Math.round(firstOkAfterUp)} ms after the server was back`,
      );
      expect(errors.map((e) => codeOf(e))).toEqual([]);
      expect(ok).toBeGreaterThan(100);
      // Waiters sit in the reconnect gate, whose probes are at most 200 ms apart (generous bound: a loaded machine).
      expect(firstOkAfterUp).toBeLessThan(1_000);
      expect(connectsDuringOutage).toBeLessThanOrEqual(connectBound(subject.tag, outageMs));
      expect(opened.logged().filter((line) => line.includes('Acquire connection error'))).toEqual([]);
    });

    it("bare (control): the same restart surfaces errors, and (but for mariadb's pool) a connect attempt per read", async () => {
      const { ok, errors, connectsDuringOutage } = await restartUnderLoad('bare');
      console.info(
        `${subject.name} bare restart: ${ok} reads, ${errors.length} errors ${JSON.stringify([...new Set(errors.map((e) => codeOf(e)))])}, ${connectsDuringOutage} connects`,
      );
      if (subject.tag === 'prisma') expect(errors.length).toBeGreaterThan(0);
      else {
        expect(errors.length).toBeGreaterThan(50);
        expect(connectsDuringOutage).toBeGreaterThan(50);
      }
    });
  });
});
