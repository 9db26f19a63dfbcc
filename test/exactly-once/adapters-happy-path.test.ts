import { type FaultProxy, type MariaDBServer, startFaultProxy } from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExactlyOnceSubject,
  type LedgerInsert,
  MYSQL2,
  type OpenedSubject,
  PRISMA,
  TYPEORM_1,
} from './adapters.js';
import {
  commandsIn,
  describeWithOwnServer,
  MARKERS,
  markerRows,
  type SentCommand,
  startLedgerServer,
} from './support.js';

// What the option costs each adapter when nothing fails: one statement in the transaction, the marker
// insert, right before COMMIT on the transaction's own connection (it also brings back
// CONNECTION_ID(), Prisma's included), and a background DELETE off the caller's path.
const SUBJECTS: readonly ExactlyOnceSubject[] = [MYSQL2, TYPEORM_1, PRISMA];
const MARKER_INSERT = new RegExp(`^INSERT INTO \`${MARKERS}\` \\(id, connection_id\\) VALUES`);
const COMMIT = /^COMMIT;?$/;

interface Sent extends SentCommand {
  readonly connection: number;
}

/** Two ledger writes: the transfer, as the adapter's callback. */
async function transfer(insert: LedgerInsert, k: string): Promise<string> {
  await insert(k, -10);
  await insert(k, 10);
  return 'transferred';
}

/** The commands of the one connection that sent COMMIT, from its transaction's first statement. */
function transactionOf(sent: readonly Sent[]): SentCommand[] {
  const commit = sent.findLast((command) => command.sql !== undefined && COMMIT.test(command.sql));
  expect(commit).toBeDefined();
  const own = sent.filter((command) => command.connection === commit?.connection);
  const begin = own.findLastIndex(
    (command) => command.sql !== undefined && /^(BEGIN|START TRANSACTION)/.test(command.sql),
  );
  return own.slice(begin);
}

const executions = (commands: readonly SentCommand[]) =>
  commands.filter((command) => command.kind !== 'prepare').length;

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

describeWithOwnServer('exactly-once on every adapter: the happy path', () => {
  let server: MariaDBServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startLedgerServer();
    proxy = await startFaultProxy(server.port);
  });
  afterEach(() => {
    proxy.onClientData(undefined);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });

  describe.each(SUBJECTS)('$name', (subject) => {
    const key = (name: string) => `${subject.tag}-${name}`;
    let opened: OpenedSubject | undefined;
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });

    it('adds one statement, the marker insert, last before COMMIT on the same connection; its DELETE comes later', async () => {
      const db = await subject.open(server, proxy);
      opened = db;
      // Warm up both variants: connections, their limits query, the marker table check, prepared statements.
      await db.withTransactionRetry((insert) => transfer(insert, key('warm')));
      await db.withTransactionRetry((insert) => transfer(insert, key('warm')), { commitMarker: true });
      await db.flushCommitMarkers();

      const sent: Sent[] = [];
      proxy.onClientData((chunk, connection) => {
        for (const command of commandsIn(chunk)) sent.push({ ...command, connection: connection.id });
        return 'forward';
      });
      expect(await db.withTransactionRetry((insert) => transfer(insert, key('plain')))).toBe('transferred');
      const plain = transactionOf(sent.splice(0));
      expect(
        await db.withTransactionRetry((insert) => transfer(insert, key('marked')), { commitMarker: true }),
      ).toBe('transferred');
      const marked = transactionOf(sent.splice(0));
      await db.flushCommitMarkers();
      const background = sent.splice(0).filter((command) => command.sql !== undefined);

      expect(executions(marked)).toBe(executions(plain) + 1);
      // The marker insert's text is the last before COMMIT; only its own execution follows it.
      const lastText = marked.findLastIndex(
        (command) => command.sql !== undefined && !COMMIT.test(command.sql),
      );
      expect(marked[lastText]?.sql).toMatch(MARKER_INSERT);
      const between = marked.slice(lastText + 1, -1).map((command) => command.kind);
      expect(between).toEqual(marked[lastText]?.kind === 'prepare' ? ['execute'] : []);
      expect(marked.at(-1)?.sql).toMatch(COMMIT);
      expect(background.map((command) => command.sql)).toEqual([
        expect.stringMatching(new RegExp(`^DELETE FROM \`${MARKERS}\` WHERE id IN`)),
      ]);
      expect(db.commitMarkerStats()).toMatchObject({ written: 2, deleted: 2, deleteErrors: 0 });
      expect(await markerRows(server)).toBe(0);
    });

    it('measures the latency overhead of a 2-statement transaction (reported, straight to the server)', async () => {
      const db = await subject.open(server, undefined);
      opened = db;
      await db.withTransactionRetry((insert) => transfer(insert, key('latency-warm')), {
        commitMarker: true,
      });
      const plain: number[] = [];
      const marked: number[] = [];
      const rounds = 40;
      for (let n = 0; n < rounds; n++) {
        // Interleaved, so that the load of the shared machine hits both alike.
        let started = performance.now();
        await db.withTransactionRetry((insert) => transfer(insert, key('latency-plain')));
        plain.push(performance.now() - started);
        started = performance.now();
        await db.withTransactionRetry((insert) => transfer(insert, key('latency-marked')), {
          commitMarker: true,
        });
        marked.push(performance.now() - started);
      }
      await db.flushCommitMarkers();
      console.info(
        `${subject.name}, commitMarker overhead over ${rounds} interleaved transactions: ` +
          `p50 ${percentile(plain, 50).toFixed(2)} → ${percentile(marked, 50).toFixed(2)} ms, ` +
          `p95 ${percentile(plain, 95).toFixed(2)} → ${percentile(marked, 95).toFixed(2)} ms`,
      );
      expect(db.commitMarkerStats()).toMatchObject({ written: rounds + 1, deleted: rounds + 1 });
    });
  });
});
