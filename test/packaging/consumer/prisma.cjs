// The client `prisma generate` wrote with generator "prisma-client-js" (plain JavaScript).
const { PrismaClient } = require('./generated/prisma-js');
const { PrismaMariaDb } = require('@prisma/adapter-mariadb');
const { withGoneaway, stats } = require('@goneaway/prisma');

async function main() {
  const adapter = withGoneaway(new PrismaMariaDb(process.env.DATABASE_URL));
  const prisma = new PrismaClient({ adapter });
  try {
    const rows = await prisma.$queryRawUnsafe('select 1 as one');
    console.log(
      JSON.stringify({
        one: Number(rows[0].one),
        limitsDiscovered: stats(adapter).events['limits-discovered'],
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
