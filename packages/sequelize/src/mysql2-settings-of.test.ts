import { describe, expect, it } from 'vitest';
import { mysql2SettingsOf, routedConfig } from './mysql2-settings-of.js';

describe('mysql2SettingsOf', () => {
  it("maps Sequelize's connection config the way its mysql dialect does: username is mysql2's user, dialectOptions as they are", () => {
    const ssl = { rejectUnauthorized: true };
    expect(
      mysql2SettingsOf({
        host: 'db1',
        port: 3307,
        username: 'app',
        password: 'pw',
        database: 'shop',
        dialectOptions: { ssl, connectTimeout: 2_000 },
      }),
    ).toEqual({
      host: 'db1',
      port: 3307,
      user: 'app',
      password: 'pw',
      database: 'shop',
      ssl,
      connectTimeout: 2_000,
    });
  });
});

describe('routedConfig', () => {
  it('points the config at the writer and keeps every own property, a hidden password too, without touching the original', () => {
    const config: Record<string, unknown> = { host: 'db1', port: 3306, username: 'app', database: 'shop' };
    Object.defineProperty(config, 'password', { value: 'secret', enumerable: false });
    const routed = routedConfig(config, { host: '10.0.0.2', port: 3310 });
    expect(routed).toMatchObject({ host: '10.0.0.2', port: 3310, username: 'app', database: 'shop' });
    expect(routed.password).toBe('secret');
    expect(config.host).toBe('db1');
  });
});
