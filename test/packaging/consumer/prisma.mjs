import { stats, withGoneaway } from '@goneaway/prisma';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
// The client `prisma generate` wrote with generator "prisma-client-js" (plain JavaScript).
import { PrismaClient } from './generated/prisma-js/index.js';

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
