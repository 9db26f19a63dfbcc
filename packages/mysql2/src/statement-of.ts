import { isReadOnlyStatement } from '@goneaway/core';

/** What the retry engine is told about a statement; decided only after a failure (no SQL scan on the happy path). */
export function statementOf(sql: string | undefined): {
  readonly safety: 'read' | 'write';
  readonly sql?: string;
} {
  return {
    get safety(): 'read' | 'write' {
      return sql !== undefined && isReadOnlyStatement(sql) ? 'read' : 'write';
    },
    sql,
  };
}
