import type { Classification, ErrorKind } from './classification.js';
import { CONNECT_PHASE } from './connect-phase.js';
import {
  ERROR_TABLE,
  type ErrorTableRow,
  KIND_HINTS,
  UNKNOWN_FATAL_CONNECT_ROW,
  UNKNOWN_FATAL_ROW,
  UNKNOWN_ROW,
} from './error-table.js';
import { readProperty } from './read-property.js';

// Wrappers (knex, ORMs, our own errors, AggregateError) nest the driver error a few levels deep at most.
const MAX_DEPTH = 6;
const MAX_NODES = 32;
const MAX_AGGREGATED = 8;
// Messages can hold a whole statement (knex prefixes it, with values): only bounded ends are read.
const MESSAGE_WINDOW = 512;
const NESTED_KEYS = ['cause', 'originalError', 'nativeError', 'original', 'parent'] as const;

const STRING_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const SQL_STATE = /^[0-9A-Z]{5}$/;
const CONNECT_MESSAGE = /(?:^|\s)connect E[A-Z_]+/;
const KNEX_PREFIX_SEPARATOR = ' - ';

const KINDS: ReadonlySet<string> = new Set(Object.keys(KIND_HINTS));
const SENT: ReadonlySet<string> = new Set(['no', 'maybe', 'yes']);
const CONNECTION: ReadonlySet<string> = new Set(['usable', 'dispose']);
const RETRY: ReadonlySet<string> = new Set(['safe', 'if-idempotent', 'whole-transaction', 'never']);

function index(source: ErrorTableRow['source'][]): ReadonlyMap<number | string, readonly ErrorTableRow[]> {
  const map = new Map<number | string, ErrorTableRow[]>();
  for (const row of ERROR_TABLE) {
    if (!source.includes(row.source)) continue;
    const rows = map.get(row.key) ?? [];
    rows.push(row);
    map.set(row.key, rows);
  }
  return map;
}

const BY_NUMBER = index(['server', 'client']);
const BY_CODE = (() => {
  const map = new Map(index(['driver', 'socket']));
  // mysql2 names server errors (`ER_LOCK_DEADLOCK`): an error that kept only the name still matches.
  for (const rows of BY_NUMBER.values()) {
    const symbol = rows[0]?.symbol;
    if (symbol !== undefined && !map.has(symbol)) map.set(symbol, rows);
  }
  return map;
})();
const BY_SQL_STATE = index(['sql-state']);
const MESSAGE_ROWS = ERROR_TABLE.filter((row) => row.source === 'message');

/** The fields of one error in the chain, read once, bounded, never throwing. */
interface ErrorFacts {
  readonly code: string | undefined;
  readonly errno: number | undefined;
  readonly sqlState: string | undefined;
  readonly fatal: boolean;
  readonly connectPhase: boolean;
  /** The server's own message (mysql2's `sqlMessage`), else the start and the end of `message`. */
  readonly messageWindow: string;
  readonly message: string | undefined;
}

function boundedWindow(text: string): string {
  if (text.length <= MESSAGE_WINDOW * 2) return text;
  return `${text.slice(0, MESSAGE_WINDOW)}\n${text.slice(-MESSAGE_WINDOW)}`;
}

function readFacts(node: unknown): ErrorFacts {
  if (typeof node === 'string') {
    return {
      code: undefined,
      errno: undefined,
      sqlState: undefined,
      fatal: false,
      connectPhase: false,
      messageWindow: boundedWindow(node),
      message: node,
    };
  }
  const rawCode = readProperty(node, 'code');
  const rawErrno = readProperty(node, 'errno');
  // mysql2's connect and query timeouts spell it `errorno`.
  const rawErrorno = readProperty(node, 'errorno');
  const rawSqlState = readProperty(node, 'sqlState');
  const rawMessage = readProperty(node, 'message');
  const rawSqlMessage = readProperty(node, 'sqlMessage');
  const syscall = readProperty(node, 'syscall');

  const numericCode =
    typeof rawCode === 'number' && Number.isInteger(rawCode) && rawCode > 0 ? rawCode : undefined;
  const errno =
    typeof rawErrno === 'number' && Number.isInteger(rawErrno) && rawErrno > 0 && rawErrno < 100_000
      ? rawErrno
      : numericCode;
  const code =
    typeof rawCode === 'string' && STRING_CODE.test(rawCode)
      ? rawCode
      : typeof rawErrorno === 'string' && STRING_CODE.test(rawErrorno)
        ? rawErrorno
        : undefined;
  const message = typeof rawMessage === 'string' ? rawMessage : undefined;
  const messageWindow =
    typeof rawSqlMessage === 'string'
      ? boundedWindow(rawSqlMessage)
      : message === undefined
        ? ''
        : boundedWindow(message);
  const connectPhase =
    readProperty(node, CONNECT_PHASE) === true ||
    syscall === 'connect' ||
    syscall === 'getaddrinfo' ||
    (message !== undefined && CONNECT_MESSAGE.test(boundedWindow(message)));

  return {
    code,
    errno,
    sqlState: typeof rawSqlState === 'string' && SQL_STATE.test(rawSqlState) ? rawSqlState : undefined,
    fatal: readProperty(node, 'fatal') === true,
    connectPhase,
    messageWindow,
    message,
  };
}

function fits(row: ErrorTableRow, facts: ErrorFacts): boolean {
  if (row.phase === 'connect' && !facts.connectPhase) return false;
  if (row.messagePattern !== undefined && !row.messagePattern.test(facts.messageWindow)) return false;
  return true;
}

function firstFitting(
  rows: readonly ErrorTableRow[] | undefined,
  facts: ErrorFacts,
): ErrorTableRow | undefined {
  if (rows === undefined) return undefined;
  for (const row of rows) if (fits(row, facts)) return row;
  return undefined;
}

/** knex prefixes the failing SQL: `select … - Can't add new command …`. Compare the end only. */
function messageIs(message: string | undefined, text: string): boolean {
  if (message === undefined) return false;
  return message === text || message.endsWith(`${KNEX_PREFIX_SEPARATOR}${text}`);
}

function matchRow(facts: ErrorFacts): ErrorTableRow | undefined {
  return (
    (facts.errno === undefined ? undefined : firstFitting(BY_NUMBER.get(facts.errno), facts)) ??
    (facts.code === undefined ? undefined : firstFitting(BY_CODE.get(facts.code), facts)) ??
    MESSAGE_ROWS.find((row) =>
      row.messagePattern === undefined
        ? messageIs(facts.message, String(row.key))
        : facts.message !== undefined && row.messagePattern.test(facts.messageWindow),
    )
  );
}

function result(row: ErrorTableRow, facts: ErrorFacts | undefined): Classification {
  return Object.freeze({
    kind: row.kind,
    sent: row.sent,
    connection: row.connection,
    retry: row.retry,
    code:
      facts?.code ??
      row.symbol ??
      (row.source === 'driver' || row.source === 'socket' ? String(row.key) : undefined),
    errno: facts?.errno ?? (typeof row.key === 'number' ? row.key : undefined),
    hint: row.hint,
  });
}

/** A goneaway error carries the classification its cause got: reuse it (validated: it is untrusted too). */
function carriedClassification(node: unknown): Classification | undefined {
  const code = readProperty(node, 'code');
  if (typeof code !== 'string' || !code.startsWith('GONEAWAY_')) return undefined;
  const carried = readProperty(node, 'classification');
  const kind = readProperty(carried, 'kind');
  const sent = readProperty(carried, 'sent');
  const connection = readProperty(carried, 'connection');
  const retry = readProperty(carried, 'retry');
  if (typeof kind !== 'string' || !KINDS.has(kind)) return undefined;
  if (typeof sent !== 'string' || !SENT.has(sent)) return undefined;
  if (typeof connection !== 'string' || !CONNECTION.has(connection)) return undefined;
  if (typeof retry !== 'string' || !RETRY.has(retry)) return undefined;
  const carriedCode = readProperty(carried, 'code');
  const carriedErrno = readProperty(carried, 'errno');
  return Object.freeze({
    kind: kind as ErrorKind,
    sent: sent as Classification['sent'],
    connection: connection as Classification['connection'],
    retry: retry as Classification['retry'],
    code: typeof carriedCode === 'string' && STRING_CODE.test(carriedCode) ? carriedCode : undefined,
    errno: typeof carriedErrno === 'number' && Number.isInteger(carriedErrno) ? carriedErrno : undefined,
    hint: KIND_HINTS[kind as ErrorKind],
  });
}

function children(node: unknown): unknown[] {
  const found: unknown[] = [];
  for (const key of NESTED_KEYS) {
    const child = readProperty(node, key);
    if (child !== undefined && child !== null) found.push(child);
  }
  // Prisma's PrismaClientKnownRequestError keeps the driver adapter's error under `meta`.
  const meta = readProperty(node, 'meta');
  if (meta !== undefined && meta !== null) {
    const adapterError = readProperty(meta, 'driverAdapterError');
    if (adapterError !== undefined && adapterError !== null) found.push(adapterError);
  }
  const aggregated = readProperty(node, 'errors');
  try {
    if (Array.isArray(aggregated)) {
      for (const child of aggregated.slice(0, MAX_AGGREGATED))
        if (child !== undefined && child !== null) found.push(child);
    }
  } catch {
    // A (revoked) Proxy pretending to be an array: ignore what it holds.
  }
  return found;
}

/**
 * What a failed database call means: could the statement have run, can the connection be used again,
 * what may be retried, and one sentence of advice. Looks through wrappers (`cause`, `originalError`,
 * `nativeError`, `original`, `parent`, `AggregateError.errors`), outermost first, bounded and
 * cycle-safe. Pure and total: any value, however hostile, gives a classification and never a throw.
 */
export function classify(err: unknown): Classification {
  try {
    return classifyChain(err);
  } catch {
    // Unreachable by construction (every read is guarded); kept so that classify can never throw.
    return result(UNKNOWN_ROW, undefined);
  }
}

function classifyChain(err: unknown): Classification {
  const seen = new Set<unknown>();
  let frontier: unknown[] = [err];
  let firstFacts: ErrorFacts | undefined;
  let stateFacts: ErrorFacts | undefined;
  let fatalFacts: ErrorFacts | undefined;
  let visited = 0;

  for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0; depth++) {
    const next: unknown[] = [];
    for (const node of frontier) {
      if (visited >= MAX_NODES) break;
      if (node === null || node === undefined || seen.has(node)) continue;
      seen.add(node);
      visited++;

      const carried = carriedClassification(node);
      if (carried !== undefined) return carried;

      const facts = readFacts(node);
      if (firstFacts === undefined && (facts.code !== undefined || facts.errno !== undefined))
        firstFacts = facts;
      if (stateFacts === undefined && facts.sqlState !== undefined) stateFacts = facts;
      if (fatalFacts === undefined && facts.fatal) fatalFacts = facts;

      const row = matchRow(facts);
      if (row !== undefined) return result(row, facts);

      if (typeof node === 'object' || typeof node === 'function') next.push(...children(node));
    }
    frontier = next;
  }

  // Nothing by number, code or message: a SQLSTATE, then the driver's own verdict that it is fatal.
  if (stateFacts?.sqlState !== undefined) {
    const row = firstFitting(BY_SQL_STATE.get(stateFacts.sqlState), stateFacts);
    if (row !== undefined) return result(row, stateFacts);
  }
  if (fatalFacts !== undefined) {
    return result(fatalFacts.connectPhase ? UNKNOWN_FATAL_CONNECT_ROW : UNKNOWN_FATAL_ROW, fatalFacts);
  }
  return result(UNKNOWN_ROW, firstFacts);
}
