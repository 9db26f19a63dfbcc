import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultProxy, startMariaDB } from '@goneaway/test-harness';
import { type Benchmark, type Check, type Side, verdictCell } from '../benchmark.js';
import { collectGarbage, liveBytes, memorySnapshot, PeakMemory } from '../heap.js';
import { alternate } from '../interleave.js';
import { makeKnex } from '../make-knex.js';
import { median, round } from '../sample-stats.js';

const MIB = 1024 * 1024;

export interface PacketGuardConfig {
  /** The server's max_allowed_packet. */
  readonly maxAllowedPacket: string;
  readonly blobMiB: readonly number[];
  /** Tries per side and size, interleaved. */
  readonly repeats: number;
}

const FULL: PacketGuardConfig = { maxAllowedPacket: '1M', blobMiB: [2, 64], repeats: 3 };
const QUICK: PacketGuardConfig = { ...FULL, repeats: 1 };

export interface PacketTry {
  readonly side: Side;
  readonly blobBytes: number;
  readonly repeat: number;
  readonly rejected: boolean;
  readonly errorCode: string | null;
  readonly errorMessageLength: number;
  /** Until the insert settled. */
  readonly ms: number;
  /** Bytes the proxy forwarded to the server for this insert. */
  readonly bytesToServer: number;
  /** New connections the pool opened (the server drops the socket after an oversized packet). */
  readonly reconnects: number;
  /** Largest heap + buffers above the level before the insert (the blob itself already allocated). */
  readonly extraMemoryBytes: number;
  readonly nextQueryOk: boolean;
}

export interface PacketRow {
  readonly blobBytes: number;
  readonly bare: PacketSideSummary;
  readonly goneaway: PacketSideSummary;
  readonly bytesMet: boolean;
  readonly fasterMet: boolean;
  readonly memoryMet: boolean;
}

export interface PacketSideSummary {
  readonly medianMs: number;
  readonly bytesToServer: number;
  readonly extraMemoryBytes: number;
  readonly reconnects: number;
  readonly errorCode: string | null;
  readonly errorMessageLength: number;
  readonly rejectedEvery: boolean;
}

export interface PacketGuardSummary {
  readonly maxAllowedPacketBytes: number;
  readonly rows: readonly PacketRow[];
}

function summarizeSide(tries: readonly PacketTry[]): PacketSideSummary {
  return {
    medianMs: round(median(tries.map((item) => item.ms)), 2),
    bytesToServer: Math.round(median(tries.map((item) => item.bytesToServer))),
    extraMemoryBytes: Math.round(median(tries.map((item) => item.extraMemoryBytes))),
    reconnects: Math.round(median(tries.map((item) => item.reconnects))),
    errorCode: tries[0]?.errorCode ?? null,
    errorMessageLength: Math.max(0, ...tries.map((item) => item.errorMessageLength)),
    rejectedEvery: tries.every((item) => item.rejected),
  };
}

function mib(bytes: number): string {
  if (bytes === 0) return '0';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MIB) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : String(Math.round(value));
}

export const packetGuard: Benchmark<PacketGuardConfig, PacketGuardSummary, PacketTry[]> = {
  name: 'packet-guard',
  title: '5. Packet guard: a BLOB over max_allowed_packet',
  needsControl: true,
  presets: { full: FULL, quick: QUICK },

  async run(config, context) {
    const server = await startMariaDB({ serverOptions: { max_allowed_packet: config.maxAllowedPacket } });
    const proxy = await startFaultProxy(server.port);
    const sides = {
      bare: makeKnex('bare', proxy.route(server.connection), { min: 1, max: 1 }),
      goneaway: makeKnex('goneaway', proxy.route(server.connection), { min: 1, max: 1 }),
    };
    try {
      const mariadbVersion = await server.version();
      const [limits] = await server.query<{ max: number | string }>(
        'SELECT @@GLOBAL.max_allowed_packet AS max',
      );
      const maxAllowedPacketBytes = Number(limits?.max);
      await server.query('CREATE TABLE bench_blobs (id INT AUTO_INCREMENT PRIMARY KEY, payload LONGBLOB)');
      // One unmeasured oversized insert per side first: the first rejection ever also pays for loading
      // and compiling the code on its path, which is not what this measures.
      const warmUpBlob = Buffer.alloc(maxAllowedPacketBytes + 64 * 1024, 0x5a);
      for (const side of Object.values(sides)) {
        await side
          .db('bench_blobs')
          .insert({ payload: warmUpBlob })
          .catch(() => undefined);
        await side.db.raw('select 1');
      }
      const samples: PacketTry[] = [];
      const rows: PacketRow[] = [];
      let index = 0;
      for (const size of config.blobMiB) {
        let blob: Buffer | undefined = Buffer.alloc(size * MIB, 0x5a);
        const tries: PacketTry[] = [];
        for (let repeat = 0; repeat < config.repeats; repeat++) {
          for (const side of alternate<Side>('bare', 'goneaway', index++)) {
            context.progress(`${size} MiB blob: ${side}, try ${repeat + 1}/${config.repeats}`);
            const bench = sides[side];
            await bench.db.raw('select 1');
            collectGarbage();
            const before = liveBytes(memorySnapshot());
            const peak = new PeakMemory(1);
            const acceptedBefore = proxy.stats.accepted;
            const bytesBefore = proxy.stats.bytesToServer;
            const started = performance.now();
            let error: unknown;
            try {
              await bench.db('bench_blobs').insert({ payload: blob });
            } catch (caught) {
              error = caught;
            }
            const elapsed = performance.now() - started;
            const peakBytes = peak.stop();
            // Let the proxy finish forwarding what the client had already written.
            await sleep(side === 'bare' ? 200 : 20);
            const bytesToServer = proxy.stats.bytesToServer - bytesBefore;
            const nextQueryOk = await bench.db.raw('select 1').then(
              () => true,
              () => false,
            );
            const code = (error as { code?: unknown } | undefined)?.code;
            tries.push({
              side,
              blobBytes: blob.length,
              repeat,
              rejected: error !== undefined,
              errorCode: error === undefined ? null : String(code ?? 'unknown'),
              errorMessageLength: error instanceof Error ? error.message.length : 0,
              ms: round(elapsed, 3),
              bytesToServer,
              reconnects: proxy.stats.accepted - acceptedBefore,
              extraMemoryBytes: Math.max(0, peakBytes - before),
              nextQueryOk,
            });
          }
        }
        const bare = summarizeSide(tries.filter((item) => item.side === 'bare'));
        const goneaway = summarizeSide(tries.filter((item) => item.side === 'goneaway'));
        rows.push({
          blobBytes: blob.length,
          bare,
          goneaway,
          bytesMet: goneaway.bytesToServer === 0 && goneaway.rejectedEvery,
          fasterMet: goneaway.medianMs * 10 <= bare.medianMs,
          memoryMet: goneaway.extraMemoryBytes < blob.length,
        });
        samples.push(...tries);
        blob = undefined;
      }
      const summary: PacketGuardSummary = { maxAllowedPacketBytes, rows };
      return { mariadbVersion, checks: packetChecks(rows), summary, samples };
    } finally {
      await Promise.allSettled(Object.values(sides).map((side) => side.destroy()));
      await proxy.close();
      await server.destroy();
    }
  },

  table(result) {
    const rows = result.summary.rows.map((row) => [
      mib(row.blobBytes),
      verdictCell(`${ms(row.bare.medianMs)} / ${ms(row.goneaway.medianMs)}`, row.fasterMet),
      verdictCell(`${mib(row.bare.bytesToServer)} / ${mib(row.goneaway.bytesToServer)}`, row.bytesMet),
      verdictCell(`${mib(row.bare.extraMemoryBytes)} / ${mib(row.goneaway.extraMemoryBytes)}`, row.memoryMet),
      `${row.bare.reconnects} / ${row.goneaway.reconnects}`,
      `${row.bare.errorCode ?? 'no error'} (${mib(row.bare.errorMessageLength)}) / ${row.goneaway.errorCode ?? 'no error'} (${row.goneaway.errorMessageLength} B)`,
    ]);
    return {
      head: [
        'BLOB',
        'time to reject, ms bare / goneaway (≥ 10× faster)',
        'bytes sent bare / goneaway (0)',
        'extra memory bare / goneaway (< the blob)',
        'reconnects',
        'error (message size) bare / goneaway',
      ],
      rows,
      notes: [
        `max_allowed_packet = ${mib(result.summary.maxAllowedPacketBytes)}; an INSERT of the BLOB through the fault proxy, which counts the bytes it forwards to the server. Medians of ${result.config.repeats} interleaved tries.`,
        "Extra memory: the largest heap + buffers seen while the insert ran, above the level just before it (after a full GC, the blob already allocated). mysql2 formats a Buffer as X'<hex>': twice the blob as a string, and the packet again as a buffer.",
      ],
    };
  },
};

function packetChecks(rows: readonly PacketRow[]): Check[] {
  const all = (pick: (row: PacketRow) => boolean) => rows.every(pick);
  const list = (format: (row: PacketRow) => string) => rows.map(format).join('; ');
  return [
    {
      label: 'bytes sent before the rejection (goneaway)',
      target: '0',
      measured: list(
        (row) => `${mib(row.blobBytes)}: ${row.goneaway.bytesToServer} (bare ${mib(row.bare.bytesToServer)})`,
      ),
      met: all((row) => row.bytesMet),
    },
    {
      label: 'rejection far faster than bare send-and-fail',
      target: '≥ 10× faster',
      measured: list(
        (row) => `${mib(row.blobBytes)}: ${ms(row.goneaway.medianMs)} vs ${ms(row.bare.medianMs)} ms`,
      ),
      met: all((row) => row.fasterMet),
    },
    {
      label: 'memory not doubled to measure the packet (goneaway)',
      target: 'extra < 1× the blob',
      measured: list(
        (row) =>
          `${mib(row.blobBytes)}: +${mib(row.goneaway.extraMemoryBytes)} (bare +${mib(row.bare.extraMemoryBytes)})`,
      ),
      met: all((row) => row.memoryMet),
    },
  ];
}
