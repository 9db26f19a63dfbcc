import {
  goneAwayPrisma,
  type GoneAwayEvent as PrismaEvent,
  stats as prismaStats,
  subscribeTo as prismaSubscribe,
} from '@goneaway/prisma';
import {
  goneAwaySequelize,
  type GoneAwayEvent as SequelizeEvent,
  stats as sequelizeStats,
  subscribeTo as sequelizeSubscribe,
} from '@goneaway/sequelize';
import {
  goneAwayTypeorm,
  type GoneAwayEvent as TypeormEvent,
  stats as typeormStats,
  subscribeTo as typeormSubscribe,
} from '@goneaway/typeorm';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { readReplicas } from '@prisma/extension-read-replicas';
import { QueryTypes, Sequelize } from 'sequelize';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_ITEMS_TABLE,
  type ExamplePrismaClient,
  generatePrismaClient,
  type PrismaClientConstructor,
} from '../../../examples/prisma/generate-client.js';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  type ReplicationPair,
  startReplicationPair,
} from '../../harness/src/index.js';
import { sleep, waitUntil } from '../failover/mysql2-workload.js';
import { settingsOf } from '../failover/prisma-workload.js';

const skipReason = canControlServers ? undefined : noControlReason;
if (skipReason) console.info(`ORM reader tests on a replication pair skipped: ${skipReason}`);

/** A PrismaClient extended with @prisma/extension-read-replicas (the example client's shape). */
type ReplicatedClient = ExamplePrismaClient & {
  $primary(): ExamplePrismaClient;
  $replica(): ExamplePrismaClient;
};

interface ReaderSettings {
  maxLagMs?: number;
  fallbackToWriter?: boolean;
  readYourWrites?: boolean;
}

/** A host's row count of `id` and the port that answered, from one `SELECT`. */
interface PortAndCount {
  port: number;
  n: number;
}

const PORT_AND_COUNT = 'SELECT @@port AS port, (SELECT COUNT(*) FROM goneaway.r WHERE id = ?) AS n';

function portAndCountOf(rows: unknown): PortAndCount {
  const row = (rows as Array<{ port: unknown; n: unknown }>)[0];
  return { port: Number(row?.port), n: Number(row?.n) };
}

/**
 * Reader instances of the ORMs that go through goneaway (`role: 'reader'`) on a primary/replica pair:
 * reads answered by the replica, a replica past maxLagMs left for the primary (fallback), and
 * read-your-writes; each beside a bare instance on the replica's address making the same calls.
 */
describe.skipIf(skipReason !== undefined)(
  'ORM reader instances (role: reader) on a primary/replica pair',
  () => {
    let pair: ReplicationPair;
    const closers: Array<() => Promise<unknown>> = [];

    beforeAll(async () => {
      // Asynchronous replication: a delayed replica must not hold the primary's commits back.
      pair = await startReplicationPair({ semiSync: false });
      await pair.primary.query(
        'CREATE TABLE goneaway.r (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB',
      );
      await pair.primary.query("INSERT INTO goneaway.r VALUES (0, 'seed')");
      // The monitor reads a replica's lag with SHOW SLAVE STATUS, which needs this privilege (replicated).
      await pair.primary.query('GRANT SLAVE MONITOR ON *.* TO ?@?', [pair.primary.connection.user, '%']);
      await pair.waitForCatchUp();
    }, 240_000);

    afterAll(async () => {
      await Promise.all(closers.splice(0).map((close) => close().catch(() => undefined)));
      await pair?.stop();
    }, 60_000);

    const hosts = () => pair.servers.map((server) => `${server.host}:${server.port}`);
    const keyOf = (server: MariaDBServer) => `${server.host}:${server.port}`;

    function cluster({ readYourWrites = false, ...readers }: ReaderSettings = {}) {
      return {
        hosts: hosts(),
        flavor: 'replication' as const,
        probeIntervalMs: 250,
        probeTimeoutMs: 1_000,
        readers: { enabled: true, ...readers },
        readYourWrites,
      };
    }

    /**
     * Writes through `insert` every 100 ms while `run` runs, with the replica delayed `delaySeconds`;
     * `run` gets the id of the newest acknowledged write once there is one after `ready()` holds.
     */
    async function whileDelayed<T>(
      delaySeconds: number,
      insert: (id: number) => Promise<unknown>,
      firstId: number,
      ready: () => boolean,
      run: (acknowledged: number) => Promise<T>,
    ): Promise<T> {
      await pair.setReplicationDelay(delaySeconds);
      let id = firstId;
      let acknowledged: number | undefined;
      let writing = true;
      const writes = (async () => {
        while (writing) {
          await insert(id);
          acknowledged = id++;
          await sleep(100);
        }
      })();
      try {
        await waitUntil('the replica out of the rotation', ready, 30_000);
        const readyAt = acknowledged ?? firstId - 1;
        await waitUntil('a write acknowledged since', () => (acknowledged ?? firstId - 1) > readyAt, 30_000);
        return await run(acknowledged as number);
      } finally {
        writing = false;
        await writes;
        await pair.setReplicationDelay(0);
        await pair.waitForCatchUp();
      }
    }

    function lagged(events: ReadonlyArray<{ type: string; host?: unknown; to?: unknown }>): boolean {
      return events.some(
        (event) =>
          event.type === 'host-state-changed' && event.host === keyOf(pair.replica) && event.to === 'lagging',
      );
    }

    describe('TypeORM: a second DataSource with role: reader', () => {
      function typeormOptions(server: MariaDBServer) {
        const { host, port, user, password, database } = server.connection;
        return { type: 'mariadb' as const, host, port, username: user, password, database, poolSize: 4 };
      }

      async function dataSource(
        role: 'writer' | 'reader' | undefined,
        name: string,
        readers: ReaderSettings = {},
        events?: TypeormEvent[],
      ): Promise<DataSource> {
        const made = new DataSource(
          role === undefined
            ? typeormOptions(pair.replica)
            : goneAwayTypeorm(typeormOptions(pair.primary), {
                name,
                outageBudgetMs: 3_000,
                cluster: cluster(readers),
                role,
              }),
        );
        await made.initialize();
        if (events) typeormSubscribe(made, (event) => events.push(event));
        closers.push(() => made.destroy());
        return made;
      }

      const read = async (source: DataSource, id = 0) =>
        portAndCountOf(await source.query(PORT_AND_COUNT, [id]));

      it('reads through the reader DataSource are answered by the replica, writes through the writer DataSource by the primary; stats say which', async () => {
        const writer = await dataSource('writer', 'typeorm-w');
        const reader = await dataSource('reader', 'typeorm-r');
        const ports = new Set<number>();
        for (let i = 0; i < 20; i++) ports.add((await read(reader)).port);
        expect([...ports]).toEqual([pair.replica.port]);
        // TypeORM's query builder too (an entity-free select from the table).
        const viaBuilder = await reader
          .createQueryBuilder()
          .select('@@port', 'port')
          .from('r', 'r')
          .where('r.id = 0')
          .getRawOne<{ port: number }>();
        expect(Number(viaBuilder?.port)).toBe(pair.replica.port);
        expect((await read(writer)).port).toBe(pair.primary.port);
        expect(typeormStats(reader).cluster).toMatchObject({
          role: 'reader',
          targets: [keyOf(pair.replica)],
          writer: keyOf(pair.primary),
        });
        expect(typeormStats(writer).cluster).toMatchObject({
          role: 'writer',
          targets: [keyOf(pair.primary)],
        });
        // A write through the reader is refused by the replica, as through a bare DataSource on it.
        const bare = await dataSource(undefined, 'typeorm-bare');
        const viaReader = await reader
          .query("INSERT INTO goneaway.r VALUES (900, 'reader')")
          .catch((e: unknown) => e);
        const viaBare = await bare
          .query("INSERT INTO goneaway.r VALUES (901, 'bare')")
          .catch((e: unknown) => e);
        expect((viaBare as { errno?: number }).errno).toBe(1290);
        expect((viaReader as { errno?: number }).errno).toBe(1290);
      });

      it('a replica past maxLagMs: reads go to the primary (fallback) while a bare DataSource on the replica reads stale rows; back on the replica once it caught up', async () => {
        const events: TypeormEvent[] = [];
        const reader = await dataSource('reader', 'typeorm-r-lag', { maxLagMs: 1_000 }, events);
        const writer = await dataSource('writer', 'typeorm-w-lag');
        const bare = await dataSource(undefined, 'typeorm-bare-lag');
        // A loaded machine may find the replica's first probe late: the lag is what is tested here.
        await read(reader);
        await waitUntil(
          'the replica in the reader rotation',
          () => typeormStats(reader).cluster?.targets[0] === keyOf(pair.replica),
          30_000,
        );
        expect((await read(reader)).port).toBe(pair.replica.port);
        await whileDelayed(
          4,
          (id) => writer.query("INSERT INTO goneaway.r VALUES (?, 'lag')", [id]),
          10_000,
          () => lagged(events) && typeormStats(reader).cluster?.targets[0] === keyOf(pair.primary),
          async (id) => {
            const viaReader = await read(reader, id);
            const viaBare = await read(bare, id);
            expect(viaReader).toEqual({ port: pair.primary.port, n: 1 });
            expect(viaBare).toEqual({ port: pair.replica.port, n: 0 });
            expect(typeormStats(reader).cluster?.targets).toEqual([keyOf(pair.primary)]);
            console.info(
              `[cluster] TypeORM reader DataSource, replica delayed 4 s (maxLagMs 1000): row ${id} read by the primary (fallback), the bare DataSource on the replica did not see it`,
            );
          },
        );
        await waitUntil(
          'the replica back in the reader rotation',
          () => typeormStats(reader).cluster?.targets[0] === keyOf(pair.replica),
          30_000,
        );
        const ports = new Set<number>();
        for (let i = 0; i < 10; i++) ports.add((await read(reader)).port);
        expect([...ports]).toEqual([pair.replica.port]);
        expect(typeormStats(reader).evictions['left-rotation']).toBeGreaterThan(0);
      });

      it('read-your-writes: a row inserted through the writer DataSource is seen at once through the reader DataSource on a replica 2 s behind; a reader without it reads stale', async () => {
        const writer = await dataSource('writer', 'typeorm-ryw-w', { readYourWrites: true });
        const reader = await dataSource('reader', 'typeorm-ryw-r', { readYourWrites: true });
        const control = await dataSource('reader', 'typeorm-ryw-control');
        await waitUntil(
          'the replica in the reader rotation',
          () => typeormStats(reader).cluster?.targets[0] === keyOf(pair.replica),
          30_000,
        );
        expect((await read(reader)).port).toBe(pair.replica.port);
        await pair.setReplicationDelay(2);
        try {
          let seen = 0;
          let seenByControl = 0;
          const rounds = 3;
          for (let round = 0; round < rounds; round++) {
            const id = 20_000 + round;
            await writer.query("INSERT INTO goneaway.r VALUES (?, 'ryw')", [id]);
            const byControl = await read(control, id);
            const byReader = await read(reader, id);
            expect(byReader.port).toBe(pair.replica.port);
            expect(byControl.port).toBe(pair.replica.port);
            seen += byReader.n;
            seenByControl += byControl.n;
          }
          // In a TypeORM transaction: the COMMIT's GTID is the one waited for.
          await writer.transaction(async (manager) => {
            await manager.query("INSERT INTO goneaway.r VALUES (20010, 'ryw trx')");
          });
          expect(await read(reader, 20_010)).toEqual({ port: pair.replica.port, n: 1 });
          console.info(
            `[cluster] TypeORM read-your-writes, replica 2 s behind: ${seen}/${rounds} rows seen through the reader DataSource, ${seenByControl}/${rounds} through the control reader`,
          );
          expect(seen).toBe(rounds);
          expect(seenByControl).toBe(0);
        } finally {
          await pair.setReplicationDelay(0);
          await pair.waitForCatchUp();
        }
      });
    });

    describe('Sequelize: a second instance with role: reader', () => {
      function sequelizeOptions(server: MariaDBServer) {
        const { host, port, user, password, database } = server.connection;
        return {
          dialect: 'mysql' as const,
          host,
          port,
          username: user,
          password,
          database,
          logging: false,
          pool: { max: 4, min: 0 },
        };
      }

      function sequelize(
        role: 'writer' | 'reader' | undefined,
        name: string,
        readers: ReaderSettings = {},
        events?: SequelizeEvent[],
      ): Sequelize {
        const made = new Sequelize(
          role === undefined
            ? sequelizeOptions(pair.replica)
            : goneAwaySequelize(sequelizeOptions(pair.primary), {
                name,
                outageBudgetMs: 3_000,
                cluster: cluster(readers),
                role,
              }),
        );
        if (events) sequelizeSubscribe(made, (event) => events.push(event));
        closers.push(() => made.close());
        return made;
      }

      const read = async (db: Sequelize, id = 0) =>
        portAndCountOf(await db.query(PORT_AND_COUNT, { replacements: [id], type: QueryTypes.SELECT }));
      const insert = (db: Sequelize, id: number, note: string) =>
        db.query('INSERT INTO goneaway.r VALUES (?, ?)', {
          replacements: [id, note],
          type: QueryTypes.INSERT,
        });

      it('reads through the reader instance are answered by the replica, writes through the writer instance by the primary; a write through the reader is refused 1290 as on a bare instance on the replica', async () => {
        const writer = sequelize('writer', 'sequelize-w');
        const reader = sequelize('reader', 'sequelize-r');
        const bare = sequelize(undefined, 'sequelize-bare');
        const ports = new Set<number>();
        for (let i = 0; i < 20; i++) ports.add((await read(reader)).port);
        expect([...ports]).toEqual([pair.replica.port]);
        expect((await read(writer)).port).toBe(pair.primary.port);
        expect(sequelizeStats(reader).cluster).toMatchObject({
          role: 'reader',
          targets: [keyOf(pair.replica)],
          writer: keyOf(pair.primary),
        });
        expect(sequelizeStats(writer).cluster).toMatchObject({
          role: 'writer',
          targets: [keyOf(pair.primary)],
        });
        const viaReader = await insert(reader, 902, 'reader').catch((e: unknown) => e);
        const viaBare = await insert(bare, 903, 'bare').catch((e: unknown) => e);
        const errnoOf = (error: unknown) => (error as { original?: { errno?: number } }).original?.errno;
        expect(errnoOf(viaBare)).toBe(1290);
        expect(errnoOf(viaReader)).toBe(1290);
      });

      it('a replica past maxLagMs: reads go to the primary (fallback) while a bare instance on the replica reads stale rows; back on the replica once it caught up', async () => {
        const events: SequelizeEvent[] = [];
        const reader = sequelize('reader', 'sequelize-r-lag', { maxLagMs: 1_000 }, events);
        const writer = sequelize('writer', 'sequelize-w-lag');
        const bare = sequelize(undefined, 'sequelize-bare-lag');
        // A loaded machine may find the replica's first probe late: the lag is what is tested here.
        await read(reader);
        await waitUntil(
          'the replica in the reader rotation',
          () => sequelizeStats(reader).cluster?.targets[0] === keyOf(pair.replica),
          30_000,
        );
        expect((await read(reader)).port).toBe(pair.replica.port);
        await whileDelayed(
          4,
          (id) => insert(writer, id, 'lag'),
          40_000,
          () => lagged(events) && sequelizeStats(reader).cluster?.targets[0] === keyOf(pair.primary),
          async (id) => {
            const viaReader = await read(reader, id);
            const viaBare = await read(bare, id);
            expect(viaReader).toEqual({ port: pair.primary.port, n: 1 });
            expect(viaBare).toEqual({ port: pair.replica.port, n: 0 });
            expect(sequelizeStats(reader).cluster?.targets).toEqual([keyOf(pair.primary)]);
            console.info(
              `[cluster] Sequelize reader instance, replica delayed 4 s (maxLagMs 1000): row ${id} read by the primary (fallback), the bare instance on the replica did not see it`,
            );
          },
        );
        await waitUntil(
          'the replica back in the reader rotation',
          () => sequelizeStats(reader).cluster?.targets[0] === keyOf(pair.replica),
          30_000,
        );
        const ports = new Set<number>();
        for (let i = 0; i < 10; i++) ports.add((await read(reader)).port);
        expect([...ports]).toEqual([pair.replica.port]);
        expect(sequelizeStats(reader).evictions['left-rotation']).toBeGreaterThan(0);
      });

      it('read-your-writes: a row inserted through the writer instance is seen at once through the reader instance on a replica 2 s behind; a reader without it reads stale', async () => {
        const writer = sequelize('writer', 'sequelize-ryw-w', { readYourWrites: true });
        const reader = sequelize('reader', 'sequelize-ryw-r', { readYourWrites: true });
        const control = sequelize('reader', 'sequelize-ryw-control');
        await read(reader);
        await waitUntil(
          'the replica in the reader rotation',
          () => sequelizeStats(reader).cluster?.targets[0] === keyOf(pair.replica),
          30_000,
        );
        expect((await read(reader)).port).toBe(pair.replica.port);
        await pair.setReplicationDelay(2);
        try {
          let seen = 0;
          let seenByControl = 0;
          const rounds = 3;
          for (let round = 0; round < rounds; round++) {
            const id = 50_000 + round;
            await insert(writer, id, 'ryw');
            const byControl = await read(control, id);
            const byReader = await read(reader, id);
            expect(byReader.port).toBe(pair.replica.port);
            expect(byControl.port).toBe(pair.replica.port);
            seen += byReader.n;
            seenByControl += byControl.n;
          }
          // In a Sequelize transaction: the COMMIT's GTID is the one waited for.
          await writer.transaction(async (transaction) => {
            await writer.query("INSERT INTO goneaway.r VALUES (50010, 'ryw trx')", { transaction });
          });
          expect(await read(reader, 50_010)).toEqual({ port: pair.replica.port, n: 1 });
          console.info(
            `[cluster] Sequelize read-your-writes, replica 2 s behind: ${seen}/${rounds} rows seen through the reader instance, ${seenByControl}/${rounds} through the control reader`,
          );
          expect(seen).toBe(rounds);
          expect(seenByControl).toBe(0);
        } finally {
          await pair.setReplicationDelay(0);
          await pair.waitForCatchUp();
        }
      });
    });

    describe('Prisma: goneAwayPrisma(settings, { cluster, role: reader }) as a replica client', () => {
      let PrismaClient: PrismaClientConstructor;

      beforeAll(async () => {
        PrismaClient = (await generatePrismaClient()).PrismaClient;
        await pair.primary.query(CREATE_ITEMS_TABLE.replace('exists t', 'exists goneaway.t'));
        await pair.waitForCatchUp();
      }, 120_000);

      function adapter(role: 'writer' | 'reader', name: string, readers: ReaderSettings = {}) {
        return goneAwayPrisma(settingsOf(pair.primary), {
          name,
          outageBudgetMs: 3_000,
          cluster: cluster(readers),
          role,
        });
      }

      function client(made: unknown): ExamplePrismaClient {
        const prisma = new PrismaClient({ adapter: made });
        closers.push(() => prisma.$disconnect());
        return prisma;
      }

      const read = async (prisma: ExamplePrismaClient, id = 0) =>
        portAndCountOf(await prisma.$queryRawUnsafe(PORT_AND_COUNT, id));

      it('reads through the reader client are answered by the replica, through the writer client by the primary; a write through the reader is refused read-only as through a bare client on the replica', async () => {
        const readerAdapter = adapter('reader', 'prisma-r');
        const writer = client(adapter('writer', 'prisma-w'));
        const reader = client(readerAdapter);
        const bare = client(new PrismaMariaDb(settingsOf(pair.replica)));
        const ports = new Set<number>();
        for (let i = 0; i < 20; i++) ports.add((await read(reader)).port);
        expect([...ports]).toEqual([pair.replica.port]);
        expect((await read(writer)).port).toBe(pair.primary.port);
        expect(prismaStats(readerAdapter).cluster).toMatchObject({
          role: 'reader',
          targets: [keyOf(pair.replica)],
          writer: keyOf(pair.primary),
        });
        const insert = "INSERT INTO goneaway.r VALUES (904, 'prisma')";
        const viaReader = await reader.$executeRawUnsafe(insert).catch((e: unknown) => e);
        const viaBare = await bare.$executeRawUnsafe(insert).catch((e: unknown) => e);
        expect(String((viaBare as Error).message)).toMatch(/read-only/);
        expect(String((viaReader as Error).message)).toMatch(/read-only/);
        expect(await pair.primary.query('SELECT id FROM goneaway.r WHERE id = 904')).toEqual([]);
      });

      it('@prisma/extension-read-replicas over a goneaway writer client and a goneaway reader client: model reads go to the replica, writes and $primary() to the primary', async () => {
        const readerAdapter = adapter('reader', 'prisma-rr-r', { maxLagMs: 30_000 });
        const writerClient = client(adapter('writer', 'prisma-rr-w'));
        const replicaClient = client(readerAdapter);
        const prisma = (
          writerClient as unknown as { $extends(extension: unknown): ReplicatedClient }
        ).$extends(readReplicas({ replicas: [replicaClient as never] }));
        await waitUntil(
          'the replica in the reader rotation',
          () => {
            void prisma
              .$replica()
              .$queryRawUnsafe('SELECT 1')
              .catch(() => undefined);
            return prismaStats(readerAdapter).cluster?.targets[0] === keyOf(pair.replica);
          },
          30_000,
        );
        const replicaPort = await prisma
          .$replica()
          .$queryRawUnsafe<Array<{ port: unknown }>>('SELECT @@port AS port');
        expect(Number(replicaPort[0]?.port)).toBe(pair.replica.port);
        // The replica 2 s behind (inside maxLagMs): a model read through the extension does not see a
        // row just written through it, $primary() does; once caught up, the replica has it.
        await pair.setReplicationDelay(2);
        try {
          // Setting the delay stopped and restarted replication: a probe meanwhile takes the replica out
          // of the rotation (reads then go to the primary, and would see the row). Past any probe begun
          // before the restart (one probe timeout and interval), wait for it back.
          await sleep(1_250);
          await waitUntil(
            'the replica back in the reader rotation, replicating with the delay',
            () => prismaStats(readerAdapter).cluster?.targets[0] === keyOf(pair.replica),
            30_000,
          );
          await prisma.$executeRawUnsafe("INSERT INTO goneaway.t (id, k) VALUES (700, 'read-replicas')");
          const viaReplica = await prisma.item.count({ where: { k: 'read-replicas' } });
          const viaPrimary = await prisma.$primary().item.count({ where: { k: 'read-replicas' } });
          expect({ viaReplica, viaPrimary }).toEqual({ viaReplica: 0, viaPrimary: 1 });
        } finally {
          await pair.setReplicationDelay(0);
          await pair.waitForCatchUp();
        }
        expect(await prisma.item.count({ where: { k: 'read-replicas' } })).toBe(1);
        // Changing the delay stops and restarts replication: a probe meanwhile takes the replica out of
        // the rotation until the next probe finds it replicating again.
        await waitUntil(
          'the replica back in the reader rotation',
          () => prismaStats(readerAdapter).cluster?.targets[0] === keyOf(pair.replica),
          30_000,
        );
        console.info(
          '[cluster] Prisma + @prisma/extension-read-replicas, replica 2 s behind: the model read through the extension (goneaway reader client) did not see the row, $primary() did; after catch-up it did',
        );
      });

      it('a replica past maxLagMs: reads through the reader client go to the primary (fallback) while a bare client on the replica reads stale rows; back on the replica once it caught up', async () => {
        const events: PrismaEvent[] = [];
        const readerAdapter = adapter('reader', 'prisma-r-lag', { maxLagMs: 1_000 });
        prismaSubscribe(readerAdapter, (event) => events.push(event));
        const reader = client(readerAdapter);
        const writer = client(adapter('writer', 'prisma-w-lag'));
        const bare = client(new PrismaMariaDb(settingsOf(pair.replica)));
        // A loaded machine may find the replica's first probe late: the lag is what is tested here.
        await read(reader);
        await waitUntil(
          'the replica in the reader rotation',
          () => prismaStats(readerAdapter).cluster?.targets[0] === keyOf(pair.replica),
          30_000,
        );
        expect((await read(reader)).port).toBe(pair.replica.port);
        await whileDelayed(
          4,
          (id) => writer.$executeRawUnsafe("INSERT INTO goneaway.r VALUES (?, 'lag')", id),
          60_000,
          () => lagged(events) && prismaStats(readerAdapter).cluster?.targets[0] === keyOf(pair.primary),
          async (id) => {
            const viaReader = await read(reader, id);
            const viaBare = await read(bare, id);
            expect(viaReader).toEqual({ port: pair.primary.port, n: 1 });
            expect(viaBare).toEqual({ port: pair.replica.port, n: 0 });
            expect(prismaStats(readerAdapter).cluster?.targets).toEqual([keyOf(pair.primary)]);
            console.info(
              `[cluster] Prisma reader client, replica delayed 4 s (maxLagMs 1000): row ${id} read by the primary (fallback), the bare client on the replica did not see it`,
            );
          },
        );
        await waitUntil(
          'the replica back in the reader rotation',
          () => prismaStats(readerAdapter).cluster?.targets[0] === keyOf(pair.replica),
          30_000,
        );
        const ports = new Set<number>();
        for (let i = 0; i < 10; i++) ports.add((await read(reader)).port);
        expect([...ports]).toEqual([pair.replica.port]);
        expect(prismaStats(readerAdapter).evictions['left-rotation']).toBeGreaterThan(0);
      });
    });
  },
);
