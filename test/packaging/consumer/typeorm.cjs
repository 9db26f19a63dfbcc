const { DataSource } = require('typeorm');
const { goneAwayTypeorm, stats } = require('@goneaway/typeorm');

async function main() {
  const dataSource = new DataSource(goneAwayTypeorm({ type: 'mysql', url: process.env.DATABASE_URL }));
  await dataSource.initialize();
  try {
    const rows = await dataSource.query('select 1 as one');
    console.log(
      JSON.stringify({ one: rows[0].one, limitsDiscovered: stats(dataSource).events['limits-discovered'] }),
    );
  } finally {
    await dataSource.destroy();
  }
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
