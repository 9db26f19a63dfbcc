import { describe, expect, it } from 'vitest';
import { sessionStateEffect } from './session-state-effect.js';

describe('sessionStateEffect', () => {
  it.each([
    'SET @x = 1',
    'set @x := 1, @y = 2',
    'SET NAMES utf8mb4',
    'SET CHARACTER SET utf8mb4',
    'SET autocommit = 0',
    'set session sql_mode = ?',
    'SET @@session.time_zone = "+00:00"',
    'SET time_zone = ?',
    'SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    'SET ROLE analyst',
    'USE other_db',
    'use `other db`',
    'LOCK TABLES t WRITE',
    'lock table t read',
    'LOCK INSTANCE FOR BACKUP',
    'FLUSH TABLES WITH READ LOCK',
    'FLUSH TABLES t FOR EXPORT',
    'BACKUP STAGE START',
    "PREPARE stmt FROM 'select 1'",
    'EXECUTE stmt USING @a',
    'CREATE TEMPORARY TABLE tmp (id int)',
    'create or replace temporary table tmp (id int)',
    'HANDLER t OPEN',
    'CALL sets_things()',
    "XA START 'x'",
    "SELECT GET_LOCK('job', 10)",
    "do get_lock('job', 0)",
    'SELECT @x',
    'select @x := count(*) from t',
    'SELECT id INTO @id FROM t LIMIT 1',
    "select @'quoted'",
    'select `a` from t where b = @`v`',
    'select 1; set @x = 1',
    'select 1; use db',
    '/* leading comment */ SET @x = 1',
    '  -- comment\n  SET NAMES utf8',
    '/*!40101 SET NAMES utf8 */',
  ])('%s sets session state', (sql) => {
    expect(sessionStateEffect(sql)).toBe('session');
  });

  it.each(['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'set transaction read only'])(
    '%s shapes the next transaction only',
    (sql) => {
      expect(sessionStateEffect(sql)).toBe('next-transaction');
    },
  );

  it.each([
    'select 1',
    'SELECT * FROM t WHERE id = ?',
    '(select 1) union (select 2)',
    'insert into t (k, v) values (?, ?)',
    'update t set v = v + 1 where id = ?',
    'delete from t where id = ?',
    "select * from t where email = 'someone@example.com'",
    "select 'get_lock(' as text",
    'select `get_lock` from t',
    'select @@version, @@session.wait_timeout',
    'SELECT @@max_allowed_packet',
    'SET STATEMENT max_statement_time = 1 FOR SELECT * FROM t',
    'BEGIN',
    'START TRANSACTION',
    'COMMIT',
    'ROLLBACK',
    'SAVEPOINT sp1',
    'CREATE TABLE t (id int)',
    'FLUSH TABLES',
    'UNLOCK TABLES',
    'select 1;',
    'select 1;  -- trailing comment',
    'select blocks, clock from t',
    '',
  ])('%s sets no session state', (sql) => {
    expect(sessionStateEffect(sql)).toBeUndefined();
  });

  it('answers undefined for what is not SQL text', () => {
    expect(sessionStateEffect(undefined as never)).toBeUndefined();
    expect(sessionStateEffect({ sql: 'SET @x = 1' } as never)).toBeUndefined();
  });

  it('reads a long statement in linear time without a false positive', () => {
    const sql = `select ${'a, '.repeat(200_000)}b from t where c = 'x@y'`;
    expect(sessionStateEffect(sql)).toBeUndefined();
  });
});
