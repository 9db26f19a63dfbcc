import type { AddressInfo } from 'node:net';
import mysql from 'mysql2';
import type { ConnectionInfo } from './mariadb-server.js';

/**
 * MySQL-8-only behaviour that a private MariaDB cannot produce, served by `mysql2.createServer()`
 * (the server side of the protocol in mysql2's lib/server.js and commands/server_handshake.js).
 * It is a protocol emulation, not a database: it answers the SELECTs a pool and goneaway send
 * (`SELECT 1`, `SELECT @@…`, `version()`, `CONNECTION_ID()`), accepts writes and session
 * statements with an OK, and produces the faults below on demand.
 */
export interface MysqlEmulatorBehaviour {
  /** `version()` and the handshake's server version. Default `8.0.36-emulator`. */
  readonly serverVersion?: string;
  /** Answers for `@@name`, `@@session.name`, `@@global.name` (merged over MySQL 8's defaults). */
  readonly variables?: Readonly<Record<string, string | number>>;
  /**
   * MySQL 8.0.24+: after this many ms without a command, write ER_CLIENT_INTERACTION_TIMEOUT (4031)
   * unsolicited, with sequence id 0, and close the socket, as the server does when `wait_timeout`
   * expires. Undefined: never.
   */
  readonly idleTimeoutMs?: number;
  /**
   * Answer writes (INSERT, UPDATE, DELETE, REPLACE, CREATE, ALTER, DROP, TRUNCATE, LOAD) with
   * 1290 ER_OPTION_PREVENTS_STATEMENT, as a primary demoted to read-only by a failover does.
   * `'super-read-only'` words the message as MySQL does for `super_read_only`.
   */
  readonly readOnly?: boolean | 'super-read-only';
  /**
   * Answer statements matching `match` with 3024 ER_QUERY_TIMEOUT (MySQL's max_execution_time)
   * after `afterMs` (default 0).
   */
  readonly statementTimeout?: { readonly match: RegExp; readonly afterMs?: number };
}

export interface MysqlEmulator extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** Any user and password are accepted; these are what to hand to mysql2 or knex. */
  readonly connection: ConnectionInfo;
  /** Every statement received (COM_QUERY text), in arrival order, across connections. */
  readonly queries: readonly string[];
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections still open. */
  openConnections(): number;
  /** Changes the behaviour for existing and new connections (a failover: `configure({ readOnly: true })`). */
  configure(patch: MysqlEmulatorBehaviour): void;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

/** MySQL 8.0 defaults for what goneaway reads. */
const DEFAULT_VARIABLES: Readonly<Record<string, string | number>> = {
  wait_timeout: 28_800,
  interactive_timeout: 28_800,
  max_allowed_packet: 67_108_864,
  read_only: 0,
  super_read_only: 0,
  max_execution_time: 0,
};

// Server messages as MySQL 8.0 words them (share/messages_to_clients.txt).
const MESSAGES = {
  4031: 'The client was disconnected by the server because of inactivity. See wait_timeout and interactive_timeout for configuring this behavior.',
  1290: 'The MySQL server is running with the --read-only option so it cannot execute this statement',
  1290.1: 'The MySQL server is running with the --super-read-only option so it cannot execute this statement',
  3024: 'Query execution was interrupted, maximum statement execution time exceeded',
} as const;

const WRITE = /^\s*(?:insert|update|delete|replace|create|alter|drop|truncate|load|rename)\b/i;
const SELECT = /^\s*select\s+([\s\S]*?)\s*;?\s*$/i;
const COMMENT = /\/\*[\s\S]*?\*\/|(?:--\s|#)[^\n]*/g;

// utf8mb4_general_ci; MYSQL_TYPE_VAR_STRING; MYSQL_TYPE_LONGLONG.
const CHARSET_UTF8MB4 = 45;
const TYPE_VAR_STRING = 253;
const TYPE_LONGLONG = 8;
// CLIENT_* flags a plain mysql2 client needs: everything up to bit 23 except SSL (0x800) and
// COMPRESS (0x20), which the emulator does not speak.
const CAPABILITIES = 0xffffff & ~0x800 & ~0x20;
const SERVER_STATUS_AUTOCOMMIT = 2;

/** The server-side connection methods of mysql2's Connection used here. */
interface ServerConnection {
  serverHandshake(args: Record<string, unknown>): void;
  writeOk(args?: { affectedRows?: number; insertId?: number }): void;
  writeError(args: { code: number; message: string }): void;
  writeColumns(columns: ColumnDefinition[]): void;
  writeTextRow(values: (string | number | null)[]): void;
  writeEof(warnings?: number, statusFlags?: number): void;
  on(event: string, listener: (...args: never[]) => void): void;
  sequenceId: number;
  readonly stream: { end(): void; destroy(): void; readonly destroyed: boolean };
}

interface ColumnDefinition {
  catalog: string;
  schema: string;
  table: string;
  orgTable: string;
  name: string;
  orgName: string;
  characterSet: number;
  columnLength: number;
  columnType: number;
  flags: number;
  decimals: number;
}

function column(name: string, numeric: boolean): ColumnDefinition {
  return {
    catalog: 'def',
    schema: '',
    table: '',
    orgTable: '',
    name,
    orgName: name,
    characterSet: numeric ? 63 : CHARSET_UTF8MB4,
    columnLength: numeric ? 21 : 1024,
    columnType: numeric ? TYPE_LONGLONG : TYPE_VAR_STRING,
    flags: 0,
    decimals: 0,
  };
}

/** Splits a select list on top-level commas (no commas inside quotes or parentheses). */
function splitSelectList(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      items.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(list.slice(start).trim());
  return items.filter((item) => item.length > 0);
}

/**
 * Writes one complete reply, then restarts the packet sequence: the client numbers each command
 * from 0, and mysql2's server side does not reset its counter by itself.
 */
function reply(conn: ServerConnection, write: () => void): void {
  write();
  conn.sequenceId = 0;
}

class Emulator implements MysqlEmulator {
  readonly host = HOST;
  readonly port: number;
  readonly connection: ConnectionInfo;
  readonly #queries: string[] = [];
  #accepted = 0;
  #open = new Set<ServerConnection>();
  #behaviour: MysqlEmulatorBehaviour;
  readonly #server: ReturnType<typeof mysql.createServer>;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    server: ReturnType<typeof mysql.createServer>,
    port: number,
    behaviour: MysqlEmulatorBehaviour,
  ) {
    this.#server = server;
    this.port = port;
    this.#behaviour = behaviour;
    this.connection = Object.freeze({
      host: HOST,
      port,
      user: 'emulated',
      password: 'emulated',
      database: 'emulated',
    });
  }

  get queries(): readonly string[] {
    return [...this.#queries];
  }

  get accepted(): number {
    return this.#accepted;
  }

  openConnections(): number {
    return this.#open.size;
  }

  configure(patch: MysqlEmulatorBehaviour): void {
    this.#behaviour = { ...this.#behaviour, ...patch };
  }

  #timer(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  accept(conn: ServerConnection): void {
    this.#accepted += 1;
    const connectionId = this.#accepted;
    this.#open.add(conn);
    let idleTimer: NodeJS.Timeout | undefined;
    let closed = false;

    const close = () => {
      if (closed) return;
      closed = true;
      this.#open.delete(conn);
      if (idleTimer) clearTimeout(idleTimer);
    };
    const armIdleTimer = () => {
      if (idleTimer) {
        clearTimeout(idleTimer);
        this.#timers.delete(idleTimer);
      }
      const idleMs = this.#behaviour.idleTimeoutMs;
      if (idleMs === undefined || closed) return;
      idleTimer = this.#timer(idleMs, () => {
        if (closed) return;
        // MySQL writes this ERR outside any command, with sequence id 0, then closes the socket.
        conn.sequenceId = 0;
        conn.writeError({ code: 4031, message: MESSAGES[4031] });
        conn.stream.end();
        close();
      });
    };

    conn.on('error', () => close());
    conn.on('end', () => close());
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: this.#behaviour.serverVersion ?? '8.0.36-emulator',
      connectionId,
      statusFlags: SERVER_STATUS_AUTOCOMMIT,
      characterSet: CHARSET_UTF8MB4,
      capabilityFlags: CAPABILITIES,
      // Accept any user; then restart the sequence so the first command (sequence 0) lines up.
      authCallback: (_params: unknown, done: (error: null) => void) => {
        done(null);
        conn.sequenceId = 0;
      },
    });
    // Every command (query, ping, init_db, quit …) passes here after its handler: the idle clock restarts.
    conn.on('packet', () => armIdleTimer());
    conn.on('query', (sql: string) => this.#answer(conn, connectionId, sql));
    conn.on('ping', () => reply(conn, () => conn.writeOk()));
    conn.on('init_db', () => reply(conn, () => conn.writeOk()));
    // mysql2's server routes statements starting with SET or PREPARE to 'stmt_prepare'.
    conn.on('stmt_prepare', (sql: string) => {
      this.#queries.push(sql);
      reply(conn, () => conn.writeOk());
    });
    armIdleTimer();
  }

  #answer(conn: ServerConnection, connectionId: number, sql: string): void {
    this.#queries.push(sql);
    const behaviour = this.#behaviour;
    const timeout = behaviour.statementTimeout;
    if (timeout?.match.test(sql)) {
      const timedOut = () => {
        if (!conn.stream.destroyed)
          reply(conn, () => conn.writeError({ code: 3024, message: MESSAGES[3024] }));
      };
      if ((timeout.afterMs ?? 0) > 0) this.#timer(timeout.afterMs ?? 0, timedOut);
      else timedOut();
      return;
    }
    if (behaviour.readOnly && WRITE.test(sql)) {
      const message = behaviour.readOnly === 'super-read-only' ? MESSAGES[1290.1] : MESSAGES[1290];
      reply(conn, () => conn.writeError({ code: 1290, message }));
      return;
    }
    const select = SELECT.exec(sql.replace(COMMENT, ' '));
    if (!select) {
      reply(conn, () => conn.writeOk({ affectedRows: WRITE.test(sql) ? 1 : 0 }));
      return;
    }
    const items = splitSelectList(select[1]!.replace(/\s+from\s[\s\S]*$/i, ''));
    const columns: ColumnDefinition[] = [];
    const values: (string | number | null)[] = [];
    for (const item of items) {
      const [, expression = item, alias] =
        /^([\s\S]+?)(?:\s+(?:as\s+)?`?([A-Za-z_][\w$]*)`?)?$/i.exec(item) ?? [];
      const value = this.#evaluate(expression.trim(), connectionId);
      columns.push(column(alias ?? expression.trim(), typeof value === 'number'));
      values.push(value);
    }
    reply(conn, () => {
      conn.writeColumns(columns);
      conn.writeTextRow(values);
      conn.writeEof(0, SERVER_STATUS_AUTOCOMMIT);
    });
  }

  #evaluate(expression: string, connectionId: number): string | number | null {
    const variable = /^@@(?:session\.|global\.|local\.)?([A-Za-z_]+)$/i.exec(expression);
    if (variable) {
      const name = variable[1]!.toLowerCase();
      const value = { ...DEFAULT_VARIABLES, ...this.#behaviour.variables }[name];
      return value ?? null;
    }
    if (/^version\(\s*\)$/i.test(expression)) return this.#behaviour.serverVersion ?? '8.0.36-emulator';
    if (/^connection_id\(\s*\)$/i.test(expression)) return connectionId;
    if (/^-?\d+$/.test(expression)) return Number(expression);
    const quoted = /^'((?:[^'\\]|\\.|'')*)'$/.exec(expression);
    if (quoted) return quoted[1]!.replace(/''/g, "'");
    return null;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const conn of this.#open) conn.stream.destroy();
    this.#open.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Starts an emulated MySQL 8 server on a free loopback port. */
export async function startMysqlEmulator(behaviour: MysqlEmulatorBehaviour = {}): Promise<MysqlEmulator> {
  let emulator: Emulator | undefined;
  const pending: ServerConnection[] = [];
  const server = mysql.createServer((conn) => {
    const connection = conn as unknown as ServerConnection;
    if (emulator) emulator.accept(connection);
    else pending.push(connection);
  });
  const netServer = (server as unknown as { _server: import('node:net').Server })._server;
  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    netServer.listen(0, HOST, () => {
      netServer.off('error', reject);
      resolve();
    });
  });
  const { port } = netServer.address() as AddressInfo;
  emulator = new Emulator(server, port, behaviour);
  for (const connection of pending) emulator.accept(connection);
  return emulator;
}
