const knex = require('knex');
const { goneAway, stats } = require('@goneaway/knex');

async function main() {
  const db = knex(goneAway({ client: 'mysql2', connection: process.env.DATABASE_URL }));
  try {
    const [rows] = await db.raw('select 1 as one');
    console.log(
      JSON.stringify({ one: rows[0].one, limitsDiscovered: stats(db).events['limits-discovered'] }),
    );
  } finally {
    await db.destroy();
  }
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
