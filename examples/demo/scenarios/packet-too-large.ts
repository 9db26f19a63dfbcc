import { fullMessage } from '../describe-error.js';
import type { Scenario } from '../scenario.js';
import { formatBytes, formatLength } from '../timing.js';
import { appConfig } from './app-config.js';

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
      text: 'the INSERT fails with a socket error whose message holds the whole blob; the pool reconnects',
      check: (f) => f.errors.count > 0 && Number(f.metrics.messageLength) > SHORT_MESSAGE,
    },
    goneaway: {
      text: 'GONEAWAY_PACKET_TOO_LARGE before sending, a short message, no reconnect',
      check: (f) =>
        f.errors.count === 1 &&
        f.errors.first?.code === 'GONEAWAY_PACKET_TOO_LARGE' &&
        Number(f.metrics.messageLength) <= SHORT_MESSAGE &&
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
    const db = side.makeKnex(appConfig(lane.connection, { min: 1, max: 1 }));
    await db.raw('SELECT 1');
    const acceptedBefore = proxy.stats.accepted;
    const insert = await side.call(() => db(lane.table).insert({ tag: 'blob', payload: blob }));
    const next = await side.call(() => db.raw('SELECT 1'));
    const reconnects = proxy.stats.accepted - acceptedBefore;
    const messageLength = insert.ok ? 0 : fullMessage(insert.error).length;
    const what = insert.ok ? 'INSERT reported ok' : `rejected, message ${formatLength(messageLength)} long`;
    return {
      saw: `${formatBytes(blob.length)} blob ${what}; ${reconnects} reconnect${reconnects === 1 ? '' : 's'}`,
      metrics: {
        blobBytes: blob.length,
        maxAllowedPacket,
        messageLength,
        reconnects,
        nextQueryOk: next.ok,
      },
    };
  },
};
