const mysql = require('mysql2/promise');
const { wrapMysql2, stats } = require('@goneaway/mysql2');

async function main() {
  const pool = wrapMysql2(mysql).createPool(process.env.DATABASE_URL);
  try {
    const [rows] = await pool.query('select 1 as one');
    console.log(
      JSON.stringify({ one: rows[0].one, limitsDiscovered: stats(pool).events['limits-discovered'] }),
    );
  } finally {
    await pool.end();
  }
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
