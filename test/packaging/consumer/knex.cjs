const knex = require('knex');
const { goneAway, stats } = require('@goneaway/knex');
const { killedWhileIdle } = require('./kill-handshake.cjs');

async function main() {
  // One connection: the one test/matrix KILLs is the one the next read gets.
  const db = knex(
    goneAway({ client: 'mysql2', connection: process.env.DATABASE_URL, pool: { min: 0, max: 1 } }),
  );
  try {
    const [rows] = await db.raw('select 1 as one, connection_id() as id');
    const kill = await killedWhileIdle(
      rows[0].id,
      async () => (await db.raw('select 1 as one, connection_id() as id'))[0][0],
    );
    console.log(
      JSON.stringify({ one: rows[0].one, limitsDiscovered: stats(db).events['limits-discovered'], ...kill }),
    );
  } finally {
    await db.destroy();
  }
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
