import { isReadOnlyStatement } from '@goneaway/core';
import type { KnexQueryObject } from './knex-internals.js';

/** knex's `method` for builder queries that only read (dialects' processResponse switch). */
const READ_METHODS = new Set(['select', 'first', 'pluck', 'columnInfo', 'raw']);

/**
 * A statement may run again after its connection died mid-flight only if running it twice is harmless:
 * builder reads and raw SQL that is a plain read. The SQL is checked for both, so `.forUpdate()`,
 * `SELECT … INTO` or a multi-statement raw string count as writes.
 */
export function statementSafety(obj: Pick<KnexQueryObject, 'method' | 'sql'>): 'read' | 'write' {
  if (obj.method !== undefined && !READ_METHODS.has(obj.method)) return 'write';
  return typeof obj.sql === 'string' && isReadOnlyStatement(obj.sql) ? 'read' : 'write';
}
