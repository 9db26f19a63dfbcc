import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithOwnServer } from '../../test/prisma/support.js';
import { run } from './main.js';

// The example program against a private MariaDB with a 1 MB max_allowed_packet.
describeWithOwnServer('examples/prisma', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB({ serverOptions: { max_allowed_packet: 1024 * 1024 } });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('writes, runs the transaction once, and gets GONEAWAY_PACKET_TOO_LARGE for the 2 MB BLOB', async () => {
    const result = await run(server.url);
    expect(result).toEqual({
      rows: 3,
      transactionRuns: 1,
      oversized: 'GONEAWAY_PACKET_TOO_LARGE',
      retries: 0,
    });
  });

  it('a BLOB that fits is stored', async () => {
    const result = await run(server.url, { blobBytes: 64 * 1024 });
    expect(result.oversized).toBe('stored');
    expect(result.rows).toBe(3);
  });
});
