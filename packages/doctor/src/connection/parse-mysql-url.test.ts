import { describe, expect, it } from 'vitest';
import { isDoctorUsageError } from '../doctor-usage-error.js';
import { parseMysqlUrl } from './parse-mysql-url.js';

function usageMessage(url: string): string {
  try {
    parseMysqlUrl(url);
  } catch (error) {
    expect(isDoctorUsageError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a DoctorUsageError');
}

describe('parseMysqlUrl', () => {
  it('reads every part, decodes escapes and redacts the password', () => {
    const target = parseMysqlUrl('mysql://app%40x:p%40ss%3Aw0rd@db.internal:3307/shop?ssl=true');
    expect(target).toEqual({
      host: 'db.internal',
      port: 3307,
      user: 'app@x',
      password: 'p@ss:w0rd',
      database: 'shop',
      ssl: true,
      redacted: 'mysql://app%40x:***@db.internal:3307/shop?ssl=true',
    });
  });

  it('defaults the port, allows no password and no database, and unbrackets IPv6', () => {
    expect(parseMysqlUrl('mariadb://root@127.0.0.1')).toMatchObject({
      port: 3306,
      password: undefined,
      database: undefined,
      redacted: 'mariadb://root@127.0.0.1:3306/',
    });
    expect(parseMysqlUrl('mysql://u:p@[::1]:4000/d')).toMatchObject({
      host: '::1',
      redacted: 'mysql://u:***@[::1]:4000/d',
    });
  });

  it('rejects what it cannot use without quoting the password', () => {
    const secret = 'hunter2-secret';
    const cases = [
      `postgres://u:${secret}@h/db`,
      `mysql://u:${secret}@h/db/extra`,
      `mysql://u:${secret}@h/db?sslmode=require`,
      `mysql://u:${secret}@h/db?ssl=maybe`,
      `mysql://:${secret}@h/db`,
      `mysql://u:${secret}%zz@h/db`,
      `mysql://u:${secret}@h:notaport/db`,
      'not a url',
    ];
    for (const url of cases) expect(usageMessage(url)).not.toContain(secret);
    expect(usageMessage(`postgres://u:${secret}@h/db`)).toMatch(/mysql:\/\/ or mariadb:\/\//);
    expect(usageMessage(`mysql://u:${secret}@h/db?sslmode=require`)).toMatch(/"sslmode"/);
  });
});
