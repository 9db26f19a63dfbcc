import { describe, expect, it } from 'vitest';
import { describeSql } from './describe-sql.js';

describe('describeSql', () => {
  it.each([
    ['select * from `t` where a = ?', 'select * from `?` where `?` = ?'],
    ["insert into `t` (`a`) values ('secret')", 'insert into `?` (`?`) values (?)'],
    ['insert into t values ("secret")', 'insert into `?` values (?)'],
    ["select 'it''s', 'a\\'b', 'c\\\\'", 'select ?, ?, ?'],
    ["select 'a\\\\', 'tail'", 'select ?, ?'],
    ["select 0xDEADBEEF, X'CAFE', x'', b'0101', 0b11, N'nat'", 'select ?, ?, ?, ?, ?, ?'],
    ['select 1, 2.5, .5, 1e10, 3.2E-4, -7', 'select ?, ?, ?, ?, ?, -?'],
    ['select t1.c2, col_3, 1abc, `a``b` from t9', 'select `?`.`?`, `?`, `?`, `?` from `?`'],
    [
      'select count(*), sleep(1) as s from t for update',
      'select count(*), sleep(?) as `?` from `?` for update',
    ],
    ["select _utf8mb4'secret' collate utf8mb4_bin", 'select `?`? collate `?`'],
    [
      'select /* hint 42 */ a -- secret 42\nfrom t # secret\nwhere b = 1',
      'select `?` from `?` where `?` = ?',
    ],
    ['select a--b from t', 'select `?`--`?` from `?`'],
    [
      'select /*!50100 SQL_NO_CACHE */ a from t where b = /*M! 7 */ 1',
      'select SQL_NO_CACHE `?` from `?` where `?` = ? ?',
    ],
    ['  select\n\t\t a ,\r\n b   from   t  ', 'select `?` , `?` from `?`'],
    ['select "unterminated', 'select ?'],
    ["select 'unterminated", 'select ?'],
    ['select a /* unterminated comment 42', 'select `?`'],
    ['', ''],
  ])('%j → %j', (sql, shape) => {
    expect(describeSql(sql)).toBe(shape);
  });

  it('never contains a literal value', () => {
    const secret = 'S3cr3t-p4ss';
    const sqls = [
      `select * from users where password = '${secret}'`,
      `select * from users where password = "${secret}"`,
      `insert into t values ('a\\'${secret}')`,
      `insert into t values ('it''s ${secret}')`,
      `insert into t values (X'${Buffer.from(secret).toString('hex')}')`,
    ];
    for (const sql of sqls) {
      expect(describeSql(sql)).not.toContain(secret);
      expect(describeSql(sql)).not.toContain(Buffer.from(secret).toString('hex'));
    }
  });

  it('truncates to maxLength with an ellipsis', () => {
    const sql = `select ${Array.from({ length: 200 }, (_, i) => `col${i}`).join(', ')} from t`;
    const shape = describeSql(sql);
    expect(shape.length).toBeLessThanOrEqual(200);
    expect(shape.endsWith('…')).toBe(true);
    expect(shape.startsWith('select `?`, `?`,')).toBe(true);
    // Cut at 19 characters plus the ellipsis; a cut that ends in a space loses the space.
    expect(describeSql(sql, 20)).toBe('select `?`, `?`, `?…');
    expect(describeSql('select 1', 20)).toBe('select ?');
    expect(describeSql('select 1', 8)).toBe('select ?');
    expect(describeSql('select 1', 7)).toBe('select…');
    expect(describeSql('select 1', Number.NaN)).toBe('select ?');
    expect(describeSql('select 1', 0).length).toBe(1);
  });

  it('is idempotent: a shape describes to itself', () => {
    const shape = describeSql("insert into `t` (`a`, `b`) values ('x', 42)");
    expect(describeSql(shape)).toBe(shape);
  });

  it('handles a 64 MB hex literal in linear time without copying it', () => {
    const blob = 'ab'.repeat(32 * 1024 * 1024);
    const sql = `insert into \`files\` (\`id\`, \`data\`) values (1, 0x${blob})`;
    const started = performance.now();
    expect(describeSql(sql)).toBe('insert into `?` (`?`, `?`) values (?, ?)');
    const quoted = `insert into \`files\` (\`data\`) values (X'${blob}')`;
    expect(describeSql(quoted)).toBe('insert into `?` (`?`) values (?)');
    const elapsed = performance.now() - started;
    // Generous for a loaded machine: linear scans of 128 MB of text take well under a second.
    expect(elapsed).toBeLessThan(5000);
  });

  it('stops scanning once the output is full', () => {
    // An unterminated literal after the cut would make the shape end in `?`; it is never reached.
    const sql = `select ${'a, '.repeat(1000)}'${'x'.repeat(1000)}`;
    expect(describeSql(sql)).toBe(`select ${'`?`, '.repeat(40).slice(0, 192).trimEnd()}…`);
  });

  it('masks a giant bare word without copying it', () => {
    const started = performance.now();
    expect(describeSql(`select ${'w'.repeat(10_000_000)}`)).toBe('select `?`');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('keeps keywords and built-in functions, masks every name (a secret in an identifier never shows)', () => {
    const secret = 'Tenant_S3cr3t';
    for (const sql of [
      `select \`${secret}\` from t`,
      `select a as ${secret} from t`,
      `insert into ${secret}.orders (id) values (1)`,
      `select * from t where \`${secret}\` = 1 for update`,
    ]) {
      expect(describeSql(sql)).not.toContain(secret);
    }
    expect(describeSql('SELECT COUNT(*) FROM t WHERE a IS NOT NULL ORDER BY b DESC LIMIT 5')).toBe(
      'SELECT COUNT(*) FROM `?` WHERE `?` IS NOT NULL ORDER BY `?` DESC LIMIT ?',
    );
  });
});
