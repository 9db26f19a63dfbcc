import { describeSql } from '../redaction/describe-sql.js';

const VOWELS = new Set(['A', 'E', 'I', 'O', 'U']);

/** The SQL shape of a statement, or undefined when none was given. */
export function statementShape(statement: string | undefined): string | undefined {
  if (typeof statement !== 'string') return undefined;
  const shape = describeSql(statement);
  return shape.length > 0 ? shape : undefined;
}

/** "an INSERT (`insert into \`t\` …`)" or "a statement": how messages name what was running. */
export function statementPhrase(shape: string | undefined): string {
  if (shape === undefined) return 'a statement';
  const verb = /^\(*\s*([A-Za-z]+)/.exec(shape)?.[1]?.toUpperCase();
  if (verb === undefined) return `a statement (\`${shape}\`)`;
  return `${VOWELS.has(verb.charAt(0)) ? 'an' : 'a'} ${verb} (\`${shape}\`)`;
}
