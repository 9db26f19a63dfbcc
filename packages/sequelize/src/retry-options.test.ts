import { createRequire } from 'node:module';
import {
  ConnectionLostError,
  classify,
  DatabaseUnavailableError,
  type GoneAwayEvent,
  TransactionLostError,
} from '@goneaway/core';
import mysql2 from 'mysql2';
import { describe, expect, it } from 'vitest';
import { goneAwayRetryOptions } from './retry-options.js';
import { SequelizeGoneAway } from './sequelize-goneaway.js';

// The retry-as-promised Sequelize itself runs its queries through (lib/sequelize.js `query`).
const fromSequelize = createRequire(createRequire(import.meta.url).resolve('sequelize'));
const { retryAsPromised } = fromSequelize('retry-as-promised') as {
  retryAsPromised: <T>(callback: () => Promise<T>, options: object) => Promise<T>;
};

/** What Sequelize's mysql Query.run throws: a DatabaseError whose `original` is the driver's error, with the SQL on both. */
function sequelizeError(original: Error, sql: string): Error {
  Object.assign(original, { sql });
  return Object.assign(new Error(original.message), {
    name: 'SequelizeDatabaseError',
    original,
    parent: original,
    sql,
  });
}

const killed = () =>
  Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
const closed = () =>
  Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true });

function lost(cause: Error, sql: string): ConnectionLostError {
  return new ConnectionLostError({ cause, classification: classify(cause), statement: sql });
}

/** Runs `failures` through Sequelize's retry loop with goneaway's options; how many attempts ran, and how it ended. */
async function run(failures: Error[], retry?: { max?: number }) {
  const goneaway = new SequelizeGoneAway(mysql2, undefined);
  const events: GoneAwayEvent[] = [];
  goneaway.runtime.pipeline.hub.subscribe((event) => events.push(event));
  const options = goneAwayRetryOptions(goneaway, retry);
  let attempts = 0;
  const outcome = await retryAsPromised(async () => {
    const failure = failures[attempts++];
    if (failure !== undefined) throw failure;
    return 'rows';
  }, options).then(
    (value) => value,
    (error: unknown) => error,
  );
  return { attempts, outcome, events };
}

describe("goneAwayRetryOptions: Sequelize's own retry loop, told what may run again", () => {
  it('runs a read that lost its connection again, and reports it as a retry event', async () => {
    const sql = 'SELECT `id` FROM `t` AS `Row` LIMIT 1;';
    const { attempts, outcome, events } = await run([sequelizeError(lost(killed(), sql), sql)]);
    expect(outcome).toBe('rows');
    expect(attempts).toBe(2);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'retry',
        attempt: 1,
        delayMs: 0,
        statement: expect.stringMatching(/^SELECT/),
      }),
    ]);
  });

  it('runs a write again only when it never reached the server', async () => {
    const sql = 'INSERT INTO `t` (`id`,`k`) VALUES (DEFAULT,?);';
    const mayHaveRun = sequelizeError(lost(killed(), sql), sql);
    const first = await run([mayHaveRun]);
    expect(first.attempts).toBe(1);
    expect(first.outcome).toBe(mayHaveRun);
    expect(first.events).toEqual([]);

    const neverSent = await run([sequelizeError(lost(closed(), sql), sql)]);
    expect(neverSent.attempts).toBe(2);
    expect(neverSent.outcome).toBe('rows');
  });

  it('never runs again inside a transaction, after the outage budget, or for an error goneaway did not type', async () => {
    const sql = 'SELECT 1';
    for (const error of [
      sequelizeError(
        new TransactionLostError({ cause: killed(), classification: classify(killed()), statement: sql }),
        sql,
      ),
      new DatabaseUnavailableError({ attempts: 3, elapsedMs: 5_000, cause: killed() }),
      sequelizeError(killed(), sql),
      new Error('ECONNRESET SequelizeConnectionError'),
    ]) {
      const { attempts, outcome } = await run([error]);
      expect(attempts).toBe(1);
      expect(outcome).toBe(error);
    }
  });

  it("stops at retry.max (Sequelize's default 5, or yours)", async () => {
    const sql = 'SELECT 1';
    const again = () => sequelizeError(lost(killed(), sql), sql);
    const five = await run([again(), again(), again(), again(), again(), again()]);
    expect(five.attempts).toBe(5);
    expect(five.events.map((event) => event.type === 'retry' && event.attempt)).toEqual([1, 2, 3, 4]);
    const two = await run([again(), again(), again()], { max: 2 });
    expect(two.attempts).toBe(2);
  });
});
