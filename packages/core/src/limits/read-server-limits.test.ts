import { describe, expect, it } from 'vitest';
import { flavorOf, SERVER_LIMITS_SQL } from './read-server-limits.js';

/**
 * How MySQL reads the statement: it skips `/*M! … *\/` as an ordinary comment (only `/*!` and `/*+`
 * are special to it). The MariaDB reading is proven on the real server in test/core.
 */
function asMysqlReadsIt(sql: string): string {
  return sql.replace(/\/\*M!.*?\*\//gs, ' ').replace(/\s+/g, ' ');
}

describe('SERVER_LIMITS_SQL', () => {
  it('reads super_read_only on MySQL and nothing MariaDB lacks outside its executable comments', () => {
    const mysql = asMysqlReadsIt(SERVER_LIMITS_SQL);
    expect(mysql).toContain('@@global.super_read_only AS super_read_only,');
    expect(mysql).not.toContain('mysql_only_part');
    expect(mysql).not.toContain("'");
    expect(mysql.match(/ AS /g)).toHaveLength(7);
  });
});

describe('flavorOf', () => {
  it.each([
    ['10.11.19-MariaDB-0+deb12u1', 'mariadb'],
    ['5.5.5-10.6.12-MariaDB-log', 'mariadb'],
    ['11.4.2-MariaDB', 'mariadb'],
    ['8.0.36', 'mysql'],
    ['8.4.0-commercial', 'mysql'],
    ['5.7.44-log', 'mysql'],
    ['', 'unknown'],
    ['TiDB', 'unknown'],
  ])('%s → %s', (version, flavor) => {
    expect(flavorOf(version)).toBe(flavor);
  });
});
