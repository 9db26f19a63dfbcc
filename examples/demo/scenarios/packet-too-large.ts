import { fullMessage } from '../describe-error.js';
import type { Scenario } from '../scenario.js';
import { formatBytes, formatLength } from '../timing.js';
import { carriesValue } from './app-config.js';

const MIB = 1024 * 1024;
const SHORT_MESSAGE = 500;

export const packetTooLarge: Scenario = {
  id: 'packet-too-large',
  title: '2 MB BLOB, max_allowed_packet 1 MB',
  cause: 'an INSERT bigger than the server max_allowed_packet: the server drops the socket',
  needs: ['proxy'],
  timeoutMs: 15_000,
  expect: {
    bare: {
      text: 'the INSERT is sent and fails with a socket error (the pool reconnects)',
      check: (f) => f.errors.count > 0,
    },
    goneaway: {
      text: 'GONEAWAY_PACKET_TOO_LARGE before sending, a short message, no reconnect',
      check: (f) =>
        f.errors.count === 1 &&
        f.errors.first?.code === 'GONEAWAY_PACKET_TOO_LARGE' &&
        Number(f.metrics.messageLength) <= SHORT_MESSAGE &&
        f.metrics.valueAttached === false &&
        f.metrics.reconnects === 0 &&
        f.metrics.nextQueryOk === true,
    },
  },
  compare(bare, goneaway) {
    if (goneaway.errors.first?.code === 'GONEAWAY_PACKET_TOO_LARGE' && bare.errors.count > 0) {
      return {
        verdict: 'better',
        why: `typed error before sending; ${goneaway.metrics.reconnects} vs ${bare.metrics.reconnects} reconnects`,
      };
    }
    return undefined;
  },
  async run(side, lane) {
    const proxy = lane.proxy!;
    const [limits] = await lane.admin('SELECT @@GLOBAL.max_allowed_packet AS maxAllowedPacket');
    const maxAllowedPacket = Number(limits?.maxAllowedPacket);
    const blob = Buffer.alloc(Math.max(2 * MIB, maxAllowedPacket + MIB), 0x5a);
    const db = side.open(lane.connection, { min: 1, max: 1 });
    await db.read('SELECT 1 AS one');
    const acceptedBefore = proxy.stats.accepted;
    const insert = await side.call(() =>
      db.write(`INSERT INTO \`${lane.table}\` (tag, payload) VALUES (?, ?)`, ['blob', blob]),
    );
    const next = await side.call(() => db.read('SELECT 1 AS one'));
    const reconnects = proxy.stats.accepted - acceptedBefore;
    const messageLength = insert.ok ? 0 : fullMessage(insert.error).length;
    // TypeORM attaches the bound values to its error; knex puts them, hex-encoded, in the message.
    const valueAttached = !insert.ok && carriesValue(insert.error, blob.length);
    const what = insert.ok
      ? 'INSERT reported ok'
      : `rejected, message ${formatLength(messageLength)} long${valueAttached ? ', the blob attached to the error' : ''}`;
    return {
      saw: `${formatBytes(blob.length)} blob ${what}; ${reconnects} reconnect${reconnects === 1 ? '' : 's'}`,
      metrics: {
        blobBytes: blob.length,
        maxAllowedPacket,
        messageLength,
        valueAttached,
        reconnects,
        nextQueryOk: next.ok,
      },
    };
  },
};
