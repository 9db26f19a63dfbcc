import {
  type FaultProxy,
  isProcessAlive,
  type MariaDBServer,
  readLogTail,
  type StartMariaDBOptions,
  startFaultProxy,
  startMariaDB,
} from '@goneaway/test-harness';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { type CauseSubject, type Opened, TABLES_SQL } from './subjects.js';

export { describeWithOwnServer, killWhenRunning, sleep, waitFor } from '@goneaway/test-harness';

/** A private server with the subjects' tables. */
export async function startCauseServer(options?: StartMariaDBOptions): Promise<MariaDBServer> {
  const server = await startMariaDB(options);
  for (const sql of TABLES_SQL) await server.query(sql);
  return server;
}

/**
 * One private server for the file (with the subjects' tables) and a fault proxy in front of it,
 * started before its tests and destroyed after; `started` hands them to the file.
 */
export function useCauseServer(
  started: (server: MariaDBServer, proxy: FaultProxy) => void,
  options?: StartMariaDBOptions,
): void {
  let server: MariaDBServer | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    server = await startCauseServer(options);
    proxy = await startFaultProxy(server.port);
    started(server, proxy);
  });
  // A failed test says what became of the file's server: a rare CI failure (a control's fresh
  // connection closed at its first statement) left nothing else to go on.
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || server === undefined) return;
    const { pid } = server;
    const logFile = (server as { logFile?: string }).logFile;
    const log = logFile === undefined ? '' : await readLogTail(logFile, 0, 15);
    console.error(
      `[cause server] port ${server.port}, pid ${pid ?? 'none'} ${pid !== undefined && isProcessAlive(pid) ? 'alive' : 'not running'}; ` +
        `proxy ${JSON.stringify(proxy?.stats)}\n${log}`,
    );
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.destroy();
  });
}

/** Resolves to the error a promise rejects with, or to `undefined` when it fulfils. */
export function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** Rows of `t` with key `k`, counted by the admin. */
export async function rowsOf(server: MariaDBServer, k: string): Promise<number> {
  const rows = await server.query<{ n: number }>('select count(*) as n from goneaway.t where k = ?', [k]);
  return Number(rows[0]?.n);
}

/** The driver's error number, wherever the library put the driver's error. */
export function errnoOf(error: unknown): number | undefined {
  const e = error as {
    errno?: unknown;
    original?: { errno?: unknown };
    driverError?: { errno?: unknown };
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  };
  const errno =
    e?.errno ??
    e?.original?.errno ??
    e?.driverError?.errno ??
    e?.meta?.driverAdapterError?.cause?.originalCode;
  return errno === undefined ? undefined : Number(errno);
}

/**
 * Everything written to the console or stderr during each test of the file (silenced meanwhile):
 * "nothing printed" means neither the library, its driver, nor goneaway said a word.
 */
export function recordPrinted(): { lines: () => string[]; stop: () => void } {
  let lines: string[] = [];
  beforeEach(() => {
    lines = [];
    const record = (...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    };
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
      vi.spyOn(console, method).mockImplementation(record);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return { lines: () => lines, stop: () => vi.restoreAllMocks() };
}

/** Settles `promise` or reports that it was still pending after `ms` (a hang). */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<'settled' | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => 'settled' as const,
        () => 'settled' as const,
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The connection id a pool hands out next. */
export async function connectionIdOf(db: { read(sql: string): Promise<Array<Record<string, unknown>>> }) {
  return Number((await db.read('select connection_id() as id'))[0]?.id);
}

/** `subject.open`, each pool it opened closed after each test (a hung query's pool included). */
export function openEach(subject: CauseSubject): CauseSubject['open'] {
  const opened: Opened[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close().catch(() => undefined)));
  });
  return async (...args) => {
    const db = await subject.open(...args);
    opened.push(db);
    return db;
  };
}

/** COM_PINGs the server answered (MariaDB counts them in Com_admin_commands): the truth, whoever sent them. */
export async function serverPings(server: MariaDBServer): Promise<number> {
  const rows = await server.query<{ Value: string }>("show global status like 'Com_admin_commands'");
  return Number(rows[0]?.Value);
}

/** Each caller runs `statement` until `total` have been started between them. */
export async function runCallers(
  callers: number,
  total: number,
  statement: () => Promise<unknown>,
): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (started < total) {
        started++;
        await statement();
      }
    }),
  );
}
