import { EventEmitter } from 'node:events';
import type { Mysql2Callback } from './mysql2-internals.js';

/** One call of mysql2's `query`/`execute`, in any of its argument shapes. */
export interface Mysql2Call {
  /** The arguments without the callback. */
  readonly head: readonly unknown[];
  readonly callback: Mysql2Callback | undefined;
  /** The SQL text, when one was given (a string or `{ sql }`). */
  readonly sql: string | undefined;
  /** Positional values; `undefined` when none, or when named placeholders (an object) were given. */
  readonly values: readonly unknown[] | undefined;
  /** Named placeholders or another value shape the packet guard does not measure. */
  readonly unmeasured: boolean;
  /** A mysql2 command object (pool.query builds one and hands it to a connection): passed through as is. */
  readonly command: boolean;
}

/** (sql | options, cb) · (sql | options, values, cb) · without a callback: event or stream mode. */
export function parseCall(args: readonly unknown[]): Mysql2Call {
  const last = args[args.length - 1];
  const callback = args.length > 1 && typeof last === 'function' ? (last as Mysql2Callback) : undefined;
  const head = callback === undefined ? args : args.slice(0, -1);
  const first = head[0];
  const command = first instanceof EventEmitter;
  let sql: string | undefined;
  let rawValues: unknown = head[1];
  if (typeof first === 'string') sql = first;
  else if (typeof first === 'object' && first !== null) {
    const options = first as { sql?: unknown; values?: unknown };
    if (typeof options.sql === 'string') sql = options.sql;
    rawValues ??= options.values;
  }
  const values = Array.isArray(rawValues) ? (rawValues as unknown[]) : undefined;
  const unmeasured = rawValues !== undefined && rawValues !== null && values === undefined;
  return { head, callback, sql, values, unmeasured, command };
}
