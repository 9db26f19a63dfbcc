import { stats, wrapMysql2 } from '@goneaway/mysql2';
import mysql from 'mysql2/promise';
import { killedWhileIdle } from './kill-handshake.cjs';

// One connection: the one test/matrix KILLs is the one the next read gets.
const pool = wrapMysql2(mysql).createPool({ uri: process.env.DATABASE_URL, connectionLimit: 1 });
try {
  const [rows] = await pool.query('select 1 as one, connection_id() as id');
  const kill = await killedWhileIdle(
    rows[0].id,
    async () => (await pool.query('select 1 as one, connection_id() as id'))[0][0],
  );
  console.log(
    JSON.stringify({ one: rows[0].one, limitsDiscovered: stats(pool).events['limits-discovered'], ...kill }),
  );
} finally {
  await pool.end();
}
