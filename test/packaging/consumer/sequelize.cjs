const { QueryTypes, Sequelize } = require('sequelize');
const { goneAwaySequelize, stats } = require('@goneaway/sequelize');
const { killedWhileIdle } = require('./kill-handshake.cjs');

async function main() {
  // One connection: the one test/matrix KILLs is the one the next read gets.
  const sequelize = new Sequelize(
    process.env.DATABASE_URL,
    goneAwaySequelize({ dialect: 'mysql', pool: { max: 1 }, logging: false }),
  );
  const read = () =>
    sequelize
      .query('select 1 as one, connection_id() as id', { type: QueryTypes.SELECT })
      .then((rows) => rows[0]);
  try {
    const row = await read();
    const kill = await killedWhileIdle(row.id, read);
    console.log(
      JSON.stringify({
        one: row.one,
        limitsDiscovered: stats(sequelize).events['limits-discovered'],
        ...kill,
      }),
    );
  } finally {
    await sequelize.close();
  }
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
