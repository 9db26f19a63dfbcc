import { stats, withGoneaway } from '@goneaway/prisma';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
// The client `prisma generate` wrote with generator "prisma-client-js" (plain JavaScript).
import { PrismaClient } from './generated/prisma-js/index.js';
import { killedWhileIdle } from './kill-handshake.cjs';

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
