/** An error as the report shows it: its code and class and a short message without any value in it. */
export interface ErrorSummary {
  /** The stable `code` (e.g. `GONEAWAY_TRANSACTION_LOST`, `ECONNRESET`), `errno N`, or `(no code)`. */
  readonly code: string;
  readonly className: string;
  readonly message: string;
  /** Length of the full message: knex prefixes it with the SQL, bindings included (4 MB for a 2 MB BLOB). */
  readonly messageLength: number;
}

const SHORT_MESSAGE = 90;
const PRISMA_PREAMBLE = /^Invalid `[^`]*` invocation/;

export function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '(not an Error)';
  const { code, errno, original } = error as { code?: unknown; errno?: unknown; original?: unknown };
  if (typeof code === 'string' && code !== '') return code;
  if (typeof code === 'number') return `errno ${code}`;
  if (typeof errno === 'number') return `errno ${errno}`;
  // Sequelize's errors carry no code of their own: the driver's (or goneaway's) error is `original`.
  if (typeof original === 'object' && original !== null) return errorCode(original);
  return '(no code)';
}

export function fullMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    return (error as { message: string }).message;
  }
  return String(error);
}

/**
 * knex prefixes a failed query's message with the SQL and its bindings (`<sql> - <driver message>`):
 * keep only the driver's part, then hide any literal that is left, so no value reaches the report.
 */
export function shortMessage(message: string): string {
  // Prisma opens its messages with a blank line and "Invalid `prisma.$queryRawUnsafe()` invocation:".
  const lines = message.split('\n').filter((line) => line.trim() !== '' && !PRISMA_PREAMBLE.test(line));
  const firstLine = lines[0] ?? '';
  const separator = firstLine.lastIndexOf(' - ');
  const text = separator >= 0 && looksLikeSql(firstLine) ? firstLine.slice(separator + 3) : firstLine;
  const redacted = text
    .replace(/\b[xX]'[0-9a-fA-F]*'/g, "X'…'")
    .replace(/0x[0-9a-fA-F]{16,}/g, '0x…')
    .replace(/'(?:[^'\\]|\\.){24,}'/g, "'…'");
  return redacted.length > SHORT_MESSAGE ? `${redacted.slice(0, SHORT_MESSAGE - 1)}…` : redacted;
}

function looksLikeSql(text: string): boolean {
  return /^\s*(select|insert|update|delete|replace|with|call|set|begin|commit|rollback|savepoint)\b/i.test(
    text,
  );
}

export function describeError(error: unknown): ErrorSummary {
  const message = fullMessage(error);
  const className =
    typeof error === 'object' && error !== null ? (error.constructor?.name ?? 'Object') : typeof error;
  return { code: errorCode(error), className, message: shortMessage(message), messageLength: message.length };
}

/** Our own codes: a code that tells the application what happened and what is safe to do next. */
export function isGoneAwayCode(code: string): boolean {
  return code.startsWith('GONEAWAY_');
}
