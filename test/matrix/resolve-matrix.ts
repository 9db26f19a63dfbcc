import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Semaphore } from '../packaging/fresh-npm-project.js';
import { assertRegistryReachable, newestVersion } from './public-registry.js';

/** One host library at one version, as the fresh project installs it. */
export interface HostPackage {
  readonly name: string;
  readonly version: string;
}

/** One row of the matrix: one fresh project, one program, one smoke. */
export interface MatrixCombination {
  /** The row's name: the host library, its version and why that version (`knex 2.5.1 (newest 2.5.x)`). */
  readonly name: string;
  /** Our package under test. */
  readonly ours:
    | '@goneaway/knex'
    | '@goneaway/mysql2'
    | '@goneaway/typeorm'
    | '@goneaway/prisma'
    | '@goneaway/sequelize';
  /** The program in test/packaging/consumer/ (its .mjs) that calls the entry point. */
  readonly program: 'knex' | 'mysql2-promise' | 'typeorm' | 'prisma' | 'sequelize';
  /** Host packages whose versions are checked against our peer ranges: the row's subject. */
  readonly hosts: readonly HostPackage[];
  /** Other packages installed beside them, pinned (the workspace's locked mysql2 for knex and TypeORM rows). */
  readonly companions: readonly HostPackage[];
  /** The prisma CLI to run `prisma generate` with (Prisma rows). */
  readonly prismaCli?: HostPackage;
}

/** The version of `name` the workspace installed (pnpm-lock.yaml's), read from its package.json. */
export function lockedVersion(root: string, name: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

const same = (a: readonly HostPackage[], b: readonly HostPackage[]) =>
  a.length === b.length &&
  a.every((host, index) => host.name === b[index]!.name && host.version === b[index]!.version);

/**
 * The supported host-library versions, resolved now: knex 2.5 (newest 2.5.x) and the newest 3.x;
 * mysql2 as locked and the newest 3.x; TypeORM's newest 0.3.x and 1.x; Sequelize's newest 6.x; Prisma 7 as locked and the
 * newest 7.x (client, MariaDB adapter and CLI each). A "newest" that equals the locked one is one row.
 * Throws RegistryUnreachableError when the public registry cannot be reached.
 */
export async function resolveMatrix(root: string, slot: Semaphore): Promise<MatrixCombination[]> {
  await assertRegistryReachable(root, slot);
  const newest = (name: string, range: string) => newestVersion(root, name, range, slot);
  const pkg = (name: string, version: string): HostPackage => ({ name, version });
  const lockedMysql2 = pkg('mysql2', lockedVersion(root, 'mysql2'));
  const prismaLocked = {
    hosts: [
      pkg('@prisma/adapter-mariadb', lockedVersion(root, '@prisma/adapter-mariadb')),
      pkg('@prisma/client', lockedVersion(root, '@prisma/client')),
    ],
    cli: pkg('prisma', lockedVersion(root, 'prisma')),
  };
  const [
    knex25,
    knex3,
    mysql2Newest,
    typeorm03,
    typeorm1,
    sequelize6,
    adapterNewest,
    clientNewest,
    cliNewest,
  ] = await Promise.all([
    newest('knex', '2.5'),
    newest('knex', '3'),
    newest('mysql2', '3'),
    newest('typeorm', '0.3'),
    newest('typeorm', '1'),
    newest('sequelize', '6'),
    newest('@prisma/adapter-mariadb', '7'),
    newest('@prisma/client', '7'),
    newest('prisma', '7'),
  ]);
  const prismaNewest = {
    hosts: [pkg('@prisma/adapter-mariadb', adapterNewest), pkg('@prisma/client', clientNewest)],
    cli: pkg('prisma', cliNewest),
  };
  const describePrisma = (hosts: readonly HostPackage[], cli: HostPackage) =>
    `adapter-mariadb ${hosts[0]!.version}, client ${hosts[1]!.version}, CLI ${cli.version}`;

  const rows: MatrixCombination[] = [
    {
      name: `knex ${knex25} (newest 2.5.x)`,
      ours: '@goneaway/knex',
      program: 'knex',
      hosts: [pkg('knex', knex25)],
      companions: [lockedMysql2],
    },
    {
      name: `knex ${knex3} (newest 3.x)`,
      ours: '@goneaway/knex',
      program: 'knex',
      hosts: [pkg('knex', knex3)],
      companions: [lockedMysql2],
    },
    {
      name: `mysql2 ${lockedMysql2.version} (locked)`,
      ours: '@goneaway/mysql2',
      program: 'mysql2-promise',
      hosts: [lockedMysql2],
      companions: [],
    },
  ];
  if (mysql2Newest !== lockedMysql2.version) {
    rows.push({
      name: `mysql2 ${mysql2Newest} (newest 3.x)`,
      ours: '@goneaway/mysql2',
      program: 'mysql2-promise',
      hosts: [pkg('mysql2', mysql2Newest)],
      companions: [],
    });
  }
  rows.push(
    {
      name: `typeorm ${typeorm03} (newest 0.3.x)`,
      ours: '@goneaway/typeorm',
      program: 'typeorm',
      hosts: [pkg('typeorm', typeorm03)],
      companions: [lockedMysql2],
    },
    {
      name: `typeorm ${typeorm1} (newest 1.x)`,
      ours: '@goneaway/typeorm',
      program: 'typeorm',
      hosts: [pkg('typeorm', typeorm1)],
      companions: [lockedMysql2],
    },
    {
      name: `sequelize ${sequelize6} (newest 6.x)`,
      ours: '@goneaway/sequelize',
      program: 'sequelize',
      hosts: [pkg('sequelize', sequelize6)],
      companions: [lockedMysql2],
    },
  );
  const prismaSame = same(prismaLocked.hosts, prismaNewest.hosts) && prismaLocked.cli.version === cliNewest;
  rows.push({
    name: `prisma 7: ${describePrisma(prismaLocked.hosts, prismaLocked.cli)} (locked${prismaSame ? ' = newest 7.x' : ''})`,
    ours: '@goneaway/prisma',
    program: 'prisma',
    hosts: prismaLocked.hosts,
    companions: [],
    prismaCli: prismaLocked.cli,
  });
  if (!prismaSame) {
    rows.push({
      name: `prisma 7: ${describePrisma(prismaNewest.hosts, prismaNewest.cli)} (newest 7.x)`,
      ours: '@goneaway/prisma',
      program: 'prisma',
      hosts: prismaNewest.hosts,
      companions: [],
      prismaCli: prismaNewest.cli,
    });
  }
  return rows;
}
