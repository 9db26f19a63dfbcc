import { stats, wrapMysql2 } from '@goneaway/mysql2';
import mysql from 'mysql2/promise';

const pool = wrapMysql2(mysql).createPool(process.env.DATABASE_URL);
try {
  const [rows] = await pool.query('select 1 as one');
  console.log(
    JSON.stringify({ one: rows[0].one, limitsDiscovered: stats(pool).events['limits-discovered'] }),
  );
} finally {
  await pool.end();
}
