import { goneAway } from '@goneaway/knex';
import { goneAwayMysql2 } from '@goneaway/mysql2';
import { goneAwayPrisma } from '@goneaway/prisma';
import { goneAwaySequelize } from '@goneaway/sequelize';
import { goneAwayTypeorm } from '@goneaway/typeorm';
import mysql2 from 'mysql2/promise';
import { describe, expectTypeOf, it } from 'vitest';

const cluster = {
  hosts: ['10.0.0.1:3306', '10.0.0.2:3306'],
  flavor: 'galera',
  readers: { enabled: true },
} as const;

describe("role: 'reader' in every entry point's options", () => {
  it('knex and mysql2 take role beside cluster', () => {
    const config = goneAway({ client: 'mysql2', connection: {} }, { cluster, role: 'reader' });
    expectTypeOf(config).not.toBeAny();
    const module = goneAwayMysql2(mysql2, { cluster, role: 'reader' });
    expectTypeOf(module).toEqualTypeOf<typeof mysql2>();
    // @ts-expect-error role is 'writer' or 'reader'
    goneAway({ client: 'mysql2', connection: {} }, { cluster, role: 'primary' });
    // @ts-expect-error role is 'writer' or 'reader'
    goneAwayMysql2(mysql2, { cluster, role: 'replica' });
  });

  it('TypeORM takes role beside cluster', () => {
    const options = goneAwayTypeorm({ type: 'mysql', host: 'db' }, { cluster, role: 'reader' });
    expectTypeOf(options.connectorPackage).toEqualTypeOf<'mysql2'>();
    // @ts-expect-error role is 'writer' or 'reader'
    goneAwayTypeorm({ type: 'mysql', host: 'db' }, { cluster, role: 'replica' });
  });

  it('Sequelize takes role beside cluster', () => {
    const options = goneAwaySequelize({ dialect: 'mysql', host: 'db' }, { cluster, role: 'reader' });
    expectTypeOf(options.dialect).toEqualTypeOf<'mysql'>();
    // @ts-expect-error role is 'writer' or 'reader'
    goneAwaySequelize({ dialect: 'mysql', host: 'db' }, { cluster, role: 'replica' });
  });

  it('Prisma takes role beside cluster (with the mariadb settings)', () => {
    const factory = goneAwayPrisma({ user: 'app', database: 'app' }, { cluster, role: 'reader' });
    expectTypeOf(factory.connect).returns.toBeObject();
    // @ts-expect-error role is 'writer' or 'reader'
    goneAwayPrisma({ user: 'app' }, { cluster, role: 'replica' });
  });
});
