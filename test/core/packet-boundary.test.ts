import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPacketTooLarge } from '../../packages/core/src/errors/packet-too-large-error.js';
import { readServerLimits } from '../../packages/core/src/limits/read-server-limits.js';
import { assertPacketFits, packetFits } from '../../packages/core/src/packet/assert-packet-fits.js';
import { commandPacketBytes } from '../../packages/core/src/packet/command-packet-bytes.js';
import { utf8ByteLength } from '../../packages/core/src/packet/utf8-byte-length.js';
import {
  canControlServers,
  type MariaDBServer,
  noControlReason,
  startMariaDB,
} from '../harness/src/index.js';

const PREFIX = "SELECT LENGTH('";
const SUFFIX = "') AS n";

/** A SELECT whose COM_QUERY payload is exactly `payloadBytes`, filled with `fill` (1 or 2 UTF-8 bytes). */
function statementOfPayload(payloadBytes: number, fill: 'x' | 'é'): string {
  const fillBytes = payloadBytes - 1 - PREFIX.length - SUFFIX.length;
  const body =
    fill === 'x' ? 'x'.repeat(fillBytes) : 'é'.repeat(Math.floor(fillBytes / 2)) + 'x'.repeat(fillBytes % 2);
  return PREFIX + body + SUFFIX;
}

/** Sends the statement on a fresh connection (no guard) and reports whether the server ran it. */
async function serverAccepts(server: MariaDBServer, sql: string): Promise<{ ran: boolean; code?: string }> {
  const connection = await createConnection(server.connection);
  connection.on('error', () => undefined);
  try {
    await connection.query(sql);
    return { ran: true };
  } catch (error) {
    return { ran: false, code: String((error as { code?: unknown }).code) };
  } finally {
    connection.destroy();
  }
}

async function maxAllowedPacketOfNewConnection(server: MariaDBServer): Promise<number> {
  const connection = await createConnection(server.connection);
  try {
    const limits = await readServerLimits({
      query: async (sql) => (await connection.query(sql))[0] as Array<Record<string, unknown>>,
    });
    return limits.maxAllowedPacket;
  } finally {
    await connection.end();
  }
}

describe.skipIf(!canControlServers)('packet guard at the exact server boundary', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { max_allowed_packet: '1M' } });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('agrees with MariaDB at max−1, max and max+1 bytes of payload (1 MB, multi-byte SQL)', async () => {
    const max = await maxAllowedPacketOfNewConnection(server);
    expect(max).toBe(1_048_576);
    const verdicts: Array<{ offset: number; guard: boolean; server: boolean; code?: string }> = [];
    for (const offset of [-2, -1, 0, 1]) {
      const sql = statementOfPayload(max + offset, 'é');
      const packetBytes = commandPacketBytes(utf8ByteLength(sql));
      expect(packetBytes).toBe(max + offset);
      expect(sql.length).toBeLessThan(packetBytes); // characters ≠ bytes: the guard counts bytes
      const outcome = await serverAccepts(server, sql);
      verdicts.push({
        offset,
        guard: packetFits(packetBytes, max),
        server: outcome.ran,
        ...(outcome.code ? { code: outcome.code } : {}),
      });
    }
    expect(verdicts.map((v) => [v.offset, v.guard, v.server])).toEqual([
      [-2, true, true],
      [-1, true, true],
      [0, false, false],
      [1, false, false],
    ]);
    for (const refused of verdicts.filter((v) => !v.server)) {
      expect(['ER_NET_PACKET_TOO_LARGE', 'ECONNRESET', 'EPIPE', 'PROTOCOL_CONNECTION_LOST']).toContain(
        refused.code,
      );
    }
  });

  it('refuses before sending, so the connection stays usable', async () => {
    const connection = await createConnection(server.connection);
    try {
      const sql = statementOfPayload(1_048_576, 'x').replace("LENGTH('xxxxxxx", "LENGTH('secret-");
      let caught: unknown;
      try {
        assertPacketFits(commandPacketBytes(utf8ByteLength(sql)), { maxAllowedPacket: 1_048_576 }, sql);
        await connection.query(sql);
      } catch (error) {
        caught = error;
      }
      expect(isPacketTooLarge(caught)).toBe(true);
      expect(caught).toMatchObject({
        packetBytes: 1_048_576,
        maxAllowedPacket: 1_048_576,
        rejectedBy: 'goneaway',
      });
      expect((caught as Error).message).not.toContain('secret-');
      const [rows] = await connection.query('SELECT 1 AS still_here');
      expect(rows).toEqual([{ still_here: 1 }]);
    } finally {
      await connection.end();
    }
  });

  it('counts a payload split into 16 MB packets whole: the same boundary at 16 MB and 32 MB', async () => {
    for (const max of [16_777_216, 33_554_432]) {
      await server.query(`SET GLOBAL max_allowed_packet = ${max}`);
      expect(await maxAllowedPacketOfNewConnection(server)).toBe(max);
      // max−1 at 16 MB is exactly 0xFFFFFF bytes of payload: mysql2 sends it as a full packet plus an empty one.
      const fits = statementOfPayload(max - 1, 'x');
      const tooBig = statementOfPayload(max, 'x');
      expect(packetFits(commandPacketBytes(utf8ByteLength(fits)), max)).toBe(true);
      expect(packetFits(commandPacketBytes(utf8ByteLength(tooBig)), max)).toBe(false);
      expect((await serverAccepts(server, fits)).ran).toBe(true);
      expect((await serverAccepts(server, tooBig)).ran).toBe(false);
    }
  });
});
