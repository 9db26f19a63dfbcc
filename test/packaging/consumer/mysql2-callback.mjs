import { stats, wrapMysql2 } from '@goneaway/mysql2';
import mysql from 'mysql2';

const pool = wrapMysql2(mysql).createPool(process.env.DATABASE_URL);
pool.query('select 1 as one', (error, rows) => {
  if (error) {
    console.error(error);
    process.exitCode = 1;
  } else {
    console.log(
      JSON.stringify({ one: rows[0].one, limitsDiscovered: stats(pool).events['limits-discovered'] }),
    );
  }
  pool.end(() => {});
});
