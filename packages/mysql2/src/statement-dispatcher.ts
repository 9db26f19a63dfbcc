import { EventEmitter } from 'node:events';
import type { Policy } from '@goneaway/core';
import type { ConnectionPipeline } from '@goneaway/core/adapter';
import { baseOf, type CallKind, type Mysql2Statement } from './mysql2-connection-driver.js';
import type { CorePoolConnection, Mysql2Callback } from './mysql2-internals.js';
import type { Mysql2Call } from './parse-call.js';

/** mysql2's own query/execute with `head` and the callback, keeping the caller's arity (no array built). */
export function invokeBase(
  connection: CorePoolConnection,
  kind: CallKind,
  head: readonly unknown[],
  callback: Mysql2Callback,
): unknown {
  const base = baseOf(connection, kind);
  if (head.length === 1) return base.call(connection, head[0], callback);
  if (head.length === 2) return base.call(connection, head[0], head[1], callback);
  return base.apply(connection, [...head, callback]);
}

/**
 * What query()/execute() return when goneaway answers the callback itself (a packet refused, a
 * transaction already lost) or sends the statement later (the limits still being read). mysql2
 * returns its command, an EventEmitter, and callers chain on it (Sequelize calls
 * `.setMaxListeners(100)` on it); this one emits nothing: the callback gets the answer.
 */
function standInCommand(): EventEmitter {
  return new EventEmitter();
}

/**
 * Sends one query/execute on a mysql2 connection through the pipeline: what the pipeline refuses is
 * answered without sending (a lost transaction, a packet too large), the policy's statement timeout
 * is added unless the call sets its own, and a failure is recorded and typed. mysql2's own shapes
 * stay: its callback, answered once; its command object returned.
 */
export class StatementDispatcher {
  /** Connections whose server limits are being read: their calls wait, and get the connect error if the handshake failed. */
  readonly #pending = new WeakMap<CorePoolConnection, Promise<unknown>>();

  /** `lone`: connections of createConnection, which no pool releases (their last use is each answer). */
  constructor(
    private readonly pipeline: ConnectionPipeline<CorePoolConnection, Mysql2Statement>,
    private readonly policy: Policy,
    private readonly lone: boolean,
  ) {}

  /** Calls on `connection` wait for `adoption`; it settles with the handshake's error, or undefined. */
  waitFor(connection: CorePoolConnection, adoption: Promise<unknown>): void {
    this.#pending.set(connection, adoption);
    adoption.then(() => this.#pending.delete(connection));
  }

  dispatch(
    connection: CorePoolConnection,
    kind: CallKind,
    call: Mysql2Call,
    callback: Mysql2Callback,
    held: boolean,
  ): unknown {
    const { pipeline } = this;
    const state = pipeline.stateOf(connection);
    if (state === undefined) {
      const pending = this.#pending.get(connection);
      // Not set up (its limits could not be read): mysql2 reports why on its own.
      if (pending === undefined) return invokeBase(connection, kind, call.head, callback);
      // A block body: dispatch returns mysql2's command object, a thenable whose then() throws, and a
      // then-callback that returned it would make the promise machinery call it (an unhandled rejection).
      pending.then((connectFailure) => {
        if (connectFailure !== undefined) callback(connectFailure);
        else this.dispatch(connection, kind, call, callback, held);
      });
      return standInCommand();
    }
    const sql = call.sql ?? '';
    const refusal = pipeline.beforeStatement(
      connection,
      state,
      sql,
      this.policy.packetGuard ? { kind, call } : undefined,
      held,
    );
    if (refusal !== undefined) {
      process.nextTick(callback, refusal);
      return standInCommand();
    }
    const transacting = state.statementInTransaction;
    let command: { queryTimeout?: unknown } | undefined;
    let answered = false;
    const done: Mysql2Callback = (error, rows, fields) => {
      // mysql2 answers a command whose connection died, then its `timeout` timer (never cleared on that
      // path, lib/base/connection.js _notifyError) answers it again with PROTOCOL_SEQUENCE_TIMEOUT:
      // every caller above is answered once, and the stale timer goes.
      if (answered) return;
      answered = true;
      const timer = command?.queryTimeout;
      if (timer) clearTimeout(timer as NodeJS.Timeout);
      // A pooled connection's last use is its release; a lone one has none (a host library's own pool
      // validates it by this): the server's idle clock restarts when a command is answered.
      if (this.lone) state.markUsed();
      if (error) callback(pipeline.statementFailed(connection, state, sql, transacting, held, error));
      else {
        // A writer with replication read-your-writes records the GTID a commit reported.
        pipeline.statementSucceeded(rows);
        callback(null, rows, fields);
      }
    };
    command = invokeBase(connection, kind, this.#withTimeout(call.head), done) as typeof command;
    return command;
  }

  /** The policy's statement timeout, unless the call sets its own (mysql2's `timeout` option). */
  #withTimeout(head: readonly unknown[]): readonly unknown[] {
    const timeout = this.policy.statementTimeoutMs;
    if (timeout === false) return head;
    const [first, ...rest] = head;
    if (typeof first === 'string') return [{ sql: first, timeout }, ...rest];
    const options = first as { timeout?: unknown } | null;
    if (typeof options !== 'object' || options === null || options.timeout !== undefined) return head;
    return [{ ...options, timeout }, ...rest];
  }
}
