import { classify, type GoneAwayEvent, subscribeTo } from '@goneaway/sequelize';
import { type MariaDBServer, startMariaDB } from '@goneaway/test-harness';
import { DatabaseError } from 'sequelize';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { connectionIdOf, createSequelize, describeWithOwnServer, failureOf, type Side } from './support.js';

// The server turned read-only (a failover demoted it): Sequelize through goneAwaySequelize beside bare Sequelize.
describeWithOwnServer('Sequelize: server turned read-only', () => {
  let server: MariaDBServer;

  beforeAll(async () => {
    server = await startMariaDB();
    await server.query('create table goneaway.ro (id int auto_increment primary key, v int)');
  });
  afterEach(async () => {
    await server.query('set global read_only = 0');
  });
  afterAll(async () => {
    await server?.destroy();
  });

  async function writeWhileReadOnly(side: Side) {
    const { sequelize } = createSequelize(side, { connection: server.connection, poolMax: 1 });
    const events: GoneAwayEvent[] = [];
    if (side === 'goneaway') subscribeTo(sequelize, (event) => events.push(event));
    try {
      const before = await connectionIdOf(sequelize);
      await server.query('set global read_only = 1');
      const error = await failureOf(sequelize.query('insert into goneaway.ro (v) values (1)'));
      const after = await connectionIdOf(sequelize);
      await server.query('set global read_only = 0');
      await sequelize.query('insert into goneaway.ro (v) values (2)');
      return { error, before, after, events };
    } finally {
      await sequelize.close();
    }
  }

  it('goneaway: the write fails with a classified read-only error (1290), the connection is evicted with an event', async () => {
    const { error, before, after, events } = await writeWhileReadOnly('goneaway');
    expect(error).toBeInstanceOf(DatabaseError);
    expect(classify(error).kind).toBe('read-only');
    expect((error as DatabaseError & { original: { errno?: number } }).original.errno).toBe(1290);
    // After a failover DNS points at the new primary: the old connection must not be reused.
    expect(after).not.toBe(before);
    expect(events.some((e) => e.type === 'evicted' && e.reason === 'read-only')).toBe(true);
  });

  it('bare Sequelize (control): the connection that hit read-only stays in the pool', async () => {
    const { error, before, after } = await writeWhileReadOnly('bare');
    expect((error as DatabaseError & { original: { errno?: number } }).original.errno).toBe(1290);
    expect(after).toBe(before);
  });
});
