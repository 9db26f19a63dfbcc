import {
  type GoneAwayEvent,
  goneAway,
  isCommitOutcomeUnknown,
  stats,
  subscribeTo,
  withTransactionRetry,
} from '@goneaway/knex';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCommit } from '../../exactly-once/support.js';
import {
  canControlServers,
  type GaleraCluster,
  galeraUnavailableReason,
  noControlReason,
  startGaleraCluster,
  waitFor,
} from '../../harness/src/index.js';

const skipReason = galeraUnavailableReason() ?? (canControlServers ? undefined : noControlReason);
if (skipReason) console.info(`commit marker failover tests skipped: ${skipReason}`);

const HOLD_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 400;

// A lost COMMIT is decided with the commit marker: the marker row is looked up after the fact. On one
// server, "absent" means rolled back (the session is KILLed first if its COMMIT is still on its way).
// On a cluster whose writer changed meanwhile, the lookup runs on the new writer, where "absent"
// proves nothing: the old writer, still in the cluster, may get the COMMIT late, commit it and
// replicate it. Deciding "rolled back" there would run the transaction a second time.
describe.skipIf(skipReason !== undefined)(
  'the commit marker on a Galera cluster whose writer changes during the resolution',
  () => {
    let cluster: GaleraCluster;

    beforeAll(async () => {
      cluster = await startGaleraCluster({ nodes: 3, proxies: true });
      await cluster
        .node(1)
        .query(
          'CREATE TABLE goneaway.ledger (seq BIGINT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(64) NOT NULL, amount INT NOT NULL) ENGINE=InnoDB',
        );
    }, 240_000);
    afterAll(async () => {
      await cluster?.stop();
    }, 120_000);

    async function ledgerRows(k: string): Promise<number> {
      const rows = await cluster
        .node(2)
        .query<{ n: number }>('SELECT COUNT(*) AS n FROM goneaway.ledger WHERE k = ?', [k]);
      return Number(rows[0]?.n);
    }

    it('a COMMIT held on its way to the old writer: unknown (typed), never run twice, one row once the COMMIT lands', async () => {
      const proxies = cluster.nodes.map((node) => node.proxy);
      const hosts = proxies.map((proxy) => `127.0.0.1:${proxy?.port}`);
      const first = proxies[0];
      expect(first).toBeDefined();
      const events: GoneAwayEvent[] = [];
      const db: Knex = knex(
        goneAway(
          {
            client: 'mysql2',
            connection: { ...(first?.route(cluster.node(1).connection) ?? cluster.node(1).connection) },
            pool: { min: 0, max: 4 },
          },
          {
            name: 'marker-failover',
            outageBudgetMs: 20_000,
            statementTimeoutMs: STATEMENT_TIMEOUT_MS,
            cluster: { hosts, flavor: 'galera', probeIntervalMs: 250 },
          },
        ),
      );
      subscribeTo(db, (event) => events.push(event));
      try {
        // node1 has the lowest wsrep_local_index: the writer.
        await db.raw('SELECT 1');
        await waitFor(() => stats(db).cluster?.writer === hosts[0], 'node1 to be the writer', 30_000);
        let runs = 0;
        let held = false;
        // The COMMIT is held 5 s on its way to node1; at that instant node1 is cut off from this
        // client (its other sockets reset, new ones refused), so the monitor moves the writer to node2.
        first?.onClientData((chunk, connection) => {
          if (held || !isCommit(chunk)) return 'forward';
          held = true;
          first.refuseNew(true);
          for (const other of first.connections()) if (other.id !== connection.id) other.reset();
          return { holdMs: HOLD_MS };
        });
        const started = performance.now();
        const outcome = await withTransactionRetry(
          db,
          async (trx) => {
            runs++;
            await trx('goneaway.ledger').insert({ k: 'held-commit', amount: 10 });
          },
          { commitMarker: true },
        ).then(
          () => ({ error: undefined }),
          (error: unknown) => ({ error }),
        );
        const settledAfterMs = performance.now() - started;
        expect(held).toBe(true);
        // The resolution ran on node2 after the writer moved: the marker was not there (the COMMIT was
        // still held), which proves nothing. Typed as unknown; the callback ran once.
        expect(isCommitOutcomeUnknown(outcome.error)).toBe(true);
        expect(runs).toBe(1);
        expect(events.some((event) => event.type === 'writer-changed' && event.from === hosts[0])).toBe(true);
        // The held COMMIT reaches node1 and commits there (node1 is still in the cluster): one row, on every node.
        await waitFor(
          async () => (await ledgerRows('held-commit')) > 0,
          'the held COMMIT to land',
          HOLD_MS + 15_000,
        );
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(await ledgerRows('held-commit')).toBe(1);
        console.info(
          `[galera] commit marker, COMMIT held ${HOLD_MS} ms on its way to the old writer: ${outcome.error === undefined ? 'no error' : String((outcome.error as { code?: string }).code)} after ${Math.round(settledAfterMs)} ms, runs ${runs}, rows 1`,
        );
      } finally {
        first?.onClientData(undefined);
        first?.refuseNew(false);
        await db.destroy();
      }
    }, 120_000);
  },
);
