import { goneAwayTypeorm, stats } from '@goneaway/typeorm';
import { DataSource } from 'typeorm';
import { killedWhileIdle } from './kill-handshake.cjs';

// One connection: the one test/matrix KILLs is the one the next read gets.
const dataSource = new DataSource(
  goneAwayTypeorm({ type: 'mysql', url: process.env.DATABASE_URL, poolSize: 1 }),
);
await dataSource.initialize();
try {
  const rows = await dataSource.query('select 1 as one, connection_id() as id');
  const kill = await killedWhileIdle(
    rows[0].id,
    async () => (await dataSource.query('select 1 as one, connection_id() as id'))[0],
  );
  console.log(
    JSON.stringify({
      one: rows[0].one,
      limitsDiscovered: stats(dataSource).events['limits-discovered'],
      ...kill,
    }),
  );
} finally {
  await dataSource.destroy();
}
