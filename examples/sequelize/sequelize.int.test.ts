import { describeWithOwnServer, type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { run } from './main.js';

// The Sequelize example against a private MariaDB: as is, and with every connection KILLed under it.
let server: MariaDBServer;

beforeAll(async () => {
  server = await startMariaDB();
});
afterAll(async () => {
  await server?.destroy();
});
beforeEach(async () => {
  await server.query('drop table if exists goneaway.goneaway_example_notes');
});

it('writes three notes and reads them back', async () => {
  const result = await run(server.url);
  expect(result).toMatchObject({ notes: 3, newest: 'note 3' });
});

describeWithOwnServer('on a server the test owns', () => {
  it('finishes without an error when every connection of its pool is KILLed after start-up', async () => {
    const result = await run(server.url, {
      notes: 5,
      afterSync: async (sequelize) => {
        await Promise.all([1, 2, 3].map(() => sequelize.query('select sleep(0.05)')));
        expect(await server.killConnections()).toBeGreaterThanOrEqual(1);
      },
    });
    expect(result).toMatchObject({ notes: 5, newest: 'note 5' });
  });
});
