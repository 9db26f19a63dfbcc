import type { Classification } from '../classification/classification.js';
import { causeChain, readProperty } from '../classification/read-property.js';
import { describeError, type SafeErrorSummary } from '../redaction/describe-error.js';
import { type GoneAwayCode, isGoneAwayCode } from './goneaway-codes.js';

export interface GoneAwayErrorOptions {
  /** The error that caused this one (kept as is: it may hold the SQL and its values). */
  readonly cause?: unknown;
  /** What `classify(cause)` said about it, when there was a driver error. */
  readonly classification?: Classification;
}

/** What `toJSON()` returns: only fields that never contain values, SQL literals or passwords. */
export interface GoneAwayErrorJson {
  readonly name: string;
  readonly code: GoneAwayCode;
  readonly message: string;
  readonly hint: string;
  readonly classification: Classification | undefined;
  readonly cause: SafeErrorSummary | undefined;
  readonly [field: string]: unknown;
}

function copyClassification(classification: Classification | undefined): Classification | undefined {
  if (classification === undefined) return undefined;
  const { kind, sent, connection, retry, code, errno, hint } = classification;
  return { kind, sent, connection, retry, code, errno, hint };
}

/**
 * The base of every goneaway error: a stable string `code`, a one-sentence `hint`, the driver error as
 * `cause` and, where there was one, its `classification`. Messages are built by goneaway from SQL
 * shapes and table entries only, so `message`, `toString()` and `toJSON()` never carry values.
 */
export class GoneAwayError extends Error {
  readonly code: GoneAwayCode;
  readonly hint: string;
  readonly classification: Classification | undefined;

  protected constructor(
    code: GoneAwayCode,
    message: string,
    hint: string,
    options: GoneAwayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = hint;
    this.classification = copyClassification(options.classification);
  }

  /** The typed fields of a subclass, added to `toJSON()`. */
  protected jsonFields(): Record<string, unknown> {
    return {};
  }

  toJSON(): GoneAwayErrorJson {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      hint: this.hint,
      ...this.jsonFields(),
      classification: this.classification,
      cause: this.cause === undefined ? undefined : describeError(this.cause),
    };
  }

  static {
    // On the prototype, not as an instance field, so the stack trace header already has the right name.
    Object.defineProperty(GoneAwayError.prototype, 'name', {
      value: 'GoneAwayError',
      writable: true,
      configurable: true,
    });
  }
}

/** True for any goneaway error, from this copy of the package or another one: it checks `code`. */
export function isGoneAwayError(value: unknown): value is GoneAwayError {
  return isGoneAwayCode(readProperty(value, 'code'));
}

/**
 * goneaway's error itself, or the one a library wrapped (Drizzle's DrizzleQueryError keeps it as
 * `cause`; Sequelize's errors as `original`; others use `originalError`): the first goneaway error along the cause chain, at most 8
 * deep, or undefined. The guards check only the value they are given (their type says what it is);
 * `isTransactionLost(findGoneAwayError(error))` looks through wrappers.
 */
export function findGoneAwayError(value: unknown): GoneAwayError | undefined {
  for (const node of causeChain(value)) if (isGoneAwayError(node)) return node;
  return undefined;
}

/** Used by each guard: `value.code === code`, safely. */
export function hasGoneAwayCode(value: unknown, code: GoneAwayCode): boolean {
  return readProperty(value, 'code') === code;
}
