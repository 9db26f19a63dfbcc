import type { ClientId, DemoClient } from './app-db.js';
import { knexClient } from './knex.js';
import { mysql2Client } from './mysql2.js';
import { prismaClient } from './prisma.js';
import { sequelizeClient } from './sequelize.js';
import { typeormClient } from './typeorm.js';

/** The libraries `--client` chooses from, the default first. */
export const CLIENTS: Readonly<Record<ClientId, DemoClient>> = {
  knex: knexClient,
  mysql2: mysql2Client,
  typeorm: typeormClient,
  prisma: prismaClient,
  sequelize: sequelizeClient,
};

export const CLIENT_IDS = Object.keys(CLIENTS) as ClientId[];

export function clientById(id: string | undefined): DemoClient {
  if (id === undefined) return knexClient;
  const client = (CLIENTS as Partial<Record<string, DemoClient>>)[id];
  if (client === undefined) {
    throw new Error(`--client: unknown client "${id}"; expected one of ${CLIENT_IDS.join(', ')}`);
  }
  return client;
}
