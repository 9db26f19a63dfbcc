import { type GoneAwayOptions, withGoneaway } from '@goneaway/prisma';
import type { MariaDBServer } from '@goneaway/test-harness';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import {
  CREATE_ITEMS_TABLE,
  type ExamplePrismaClient,
  generatePrismaClient,
  type PrismaClientConstructor,
} from '../../examples/prisma/generate-client.js';

export { codeOf, describeWithOwnServer, killWhenRunning, sleep, waitFor } from '@goneaway/test-harness';
export type { ExamplePrismaClient, PrismaClientConstructor };
export { CREATE_ITEMS_TABLE, generatePrismaClient };

export type Side = 'bare' | 'goneaway';

/** Resolves to the error a promise rejects with, or to `undefined` when it fulfils. */
export function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

export interface MariaDbConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly connectionLimit?: number;
  readonly [key: string]: unknown;
}

/** A PrismaClient on the bare adapter, or on the same adapter through withGoneaway(); returns the adapter too. */
export function clientFor(
  PrismaClient: PrismaClientConstructor,
  side: Side,
  config: MariaDbConfig,
  options?: GoneAwayOptions,
): { prisma: ExamplePrismaClient; adapter: unknown } {
  const factory = new PrismaMariaDb(config);
  const adapter = side === 'bare' ? factory : withGoneaway(factory, options);
  return { prisma: new PrismaClient({ adapter }), adapter };
}

/** Creates the items table in the server's `goneaway` database. */
export async function createItems(server: MariaDBServer): Promise<void> {
  await server.query(CREATE_ITEMS_TABLE.replace('exists t', 'exists goneaway.t'));
}

/** Rows of the items table with key `k`, counted by the admin. */
export async function rowsOf(server: MariaDBServer, k: string): Promise<number> {
  const rows = await server.query<{ n: number }>('select count(*) as n from goneaway.t where k = ?', [k]);
  return Number(rows[0]?.n);
}
