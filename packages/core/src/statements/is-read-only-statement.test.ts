import { describe, expect, it } from 'vitest';
import { isReadOnlyStatement } from './is-read-only-statement.js';

describe('isReadOnlyStatement', () => {
  it.each([
    'select 1',
    'SELECT * FROM `t` WHERE a = ?',
    '  \n\tselect 1',
    '(select 1) union (select 2)',
    '((select 1))',
    '/* leading */ select 1',
    '-- leading\nselect 1',
    '# leading\nselect 1',
    'select 1;',
    'select 1; -- trailing comment',
    'select 1 /* ; drop table t */',
    'select \'for update\', "into", `into` from t',
    "select * from t where a = 'x; delete from t'",
    'show tables',
    'SHOW VARIABLES LIKE ?',
    'explain select * from t',
    'EXPLAIN FORMAT=JSON DELETE FROM t',
    'explain analyze select 1',
    'describe t',
    'desc t',
    'with c as (select 1) select * from c',
    'WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT * FROM c',
    'table t',
    'values row(1, 2)',
    'select sleep(1)',
    'select @@wait_timeout, @@session.max_allowed_packet',
    'select * from t for system_time as of timestamp ?',
    'select * from t lock_table',
    'select a.for_update from t as a',
    'select 1 /*!50100 , 2 */',
    'select warnings, errors, warning_count from t',
  ])('reads only: %s', (sql) => {
    expect(isReadOnlyStatement(sql)).toBe(true);
  });

  it.each([
    'insert into t values (1)',
    'update t set a = 1',
    'delete from t',
    'replace into t values (1)',
    'set @a = 1',
    'call p()',
    'do get_lock(?, 1)',
    'begin',
    'commit',
    'lock tables t read',
    'analyze table t',
    'select * from t for update',
    'SELECT * FROM t FOR UPDATE SKIP LOCKED',
    'select * from t for share',
    'select * from t lock in share mode',
    'select * from t /*! for update */',
    'select * from t /*!50000 FOR UPDATE */',
    'select * from t /*M!100100 for update */',
    'select * into outfile ? from t',
    'select * from t into dumpfile ?',
    'select a into @x from t',
    'select a from t into @x',
    'select 1; select 2',
    'select 1; delete from t',
    'select 1 /*! ; delete from t */',
    'select get_lock(?, 10)',
    'select release_lock(?)',
    'select release_all_locks()',
    'select nextval(s)',
    'select next value for s',
    'select previous value for s',
    'select setval(s, 10)',
    'select last_insert_id()',
    'select found_rows()',
    'select row_count()',
    'show warnings',
    'SHOW ERRORS LIMIT 10',
    'show count(*) warnings',
    'select @@warning_count',
    'select @@error_count',
    'select @x',
    "select @'x'",
    'select @a := 1',
    'select a := 1',
    'with c as (select 1) update t join c set t.a = 1',
    'with c as (select 1) delete from t',
    'with c as (select 1)',
    'explain analyze delete from t',
    'explain analyze update t set a = 1',
    "select 'unterminated",
    'select `unterminated',
    'select 1 /* unterminated',
    '',
    '   ',
    '/* only a comment */',
    ';select 1',
    ') select 1',
    "'x'",
    '1',
    'selectx 1',
  ])('does not: %s', (sql) => {
    expect(isReadOnlyStatement(sql)).toBe(false);
  });

  it('rejects what is not a string', () => {
    expect(isReadOnlyStatement(undefined as unknown as string)).toBe(false);
    expect(isReadOnlyStatement({ sql: 'select 1' } as unknown as string)).toBe(false);
  });

  it('runs in linear time on a multi-megabyte statement', () => {
    const ids = Array.from({ length: 300_000 }, (_, i) => String(i)).join(', ');
    const sql = `select * from t where id in (${ids}) and name = '${'x'.repeat(8_000_000)}'`;
    const started = performance.now();
    expect(isReadOnlyStatement(sql)).toBe(true);
    expect(isReadOnlyStatement(`${sql} for update`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
