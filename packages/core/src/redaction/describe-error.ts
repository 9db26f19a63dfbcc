import { readProperty } from '../classification/read-property.js';

/**
 * The fields of a driver error that are safe to log or serialise: identifiers of what went wrong,
 * never its message (mysql2 and knex put the SQL, with values, into `message` and `sql`).
 */
export interface SafeErrorSummary {
  readonly name: string | undefined;
  readonly code: string | number | undefined;
  readonly errno: number | undefined;
  readonly sqlState: string | undefined;
  readonly fatal: boolean | undefined;
  readonly syscall: string | undefined;
}

// Codes, names and syscalls are identifiers; anything else in those fields is not trusted to be safe.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const SQL_STATE = /^[0-9A-Z]{5}$/;

function safeIdentifier(value: unknown): string | undefined {
  return typeof value === 'string' && IDENTIFIER.test(value) ? value : undefined;
}

function safeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/** A value-free summary of `err` (any value: primitives and hostile objects give empty fields). */
export function describeError(err: unknown): SafeErrorSummary {
  const code = readProperty(err, 'code');
  const sqlState = readProperty(err, 'sqlState');
  const fatal = readProperty(err, 'fatal');
  return {
    name: safeIdentifier(readProperty(err, 'name')),
    code: typeof code === 'number' ? safeInteger(code) : safeIdentifier(code),
    errno: safeInteger(readProperty(err, 'errno')),
    sqlState: typeof sqlState === 'string' && SQL_STATE.test(sqlState) ? sqlState : undefined,
    fatal: typeof fatal === 'boolean' ? fatal : undefined,
    syscall: safeIdentifier(readProperty(err, 'syscall')),
  };
}
