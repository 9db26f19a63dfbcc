// The client `prisma generate` wrote with generator "prisma-client-js" (plain JavaScript).
const { PrismaClient } = require('./generated/prisma-js');
const { PrismaMariaDb } = require('@prisma/adapter-mariadb');
const { withGoneaway, stats } = require('@goneaway/prisma');
const { killedWhileIdle } = require('./kill-handshake.cjs');

async function main() {
  // One connection: the one test/matrix KILLs is the one the next read gets.
  const adapter = withGoneaway(new PrismaMariaDb(`${process.env.DATABASE_URL}?connectionLimit=1`));
  const prisma = new PrismaClient({ adapter });
  try {
    const rows = await prisma.$queryRawUnsafe('select 1 as one, connection_id() as id');
    const kill = await killedWhileIdle(
      rows[0].id,
      async () => (await prisma.$queryRawUnsafe('select 1 as one, connection_id() as id'))[0],
    );
    console.log(
      JSON.stringify({
        one: Number(rows[0].one),
        limitsDiscovered: stats(adapter).events['limits-discovered'],
        ...kill,
      }),
    );
  } finally {
    await prisma.$disconnect();
  }
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
