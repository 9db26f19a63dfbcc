import { goneAway } from '@goneaway/knex';
import { sharedServer } from '@goneaway/test-harness';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog, codeOf, type Side } from './support.js';

type Settings = Record<string, unknown>;

/** What knex itself makes of a password (lib/util/security.js, setHiddenProperty): an own, non-enumerable property. */
function withHiddenPassword(settings: Settings, password: string): Settings {
  const copy = { ...settings };
  delete copy.password;
  Object.defineProperty(copy, 'password', { value: password, enumerable: false });
  return copy;
}

function make(side: Side, config: Knex.Config): Knex {
  return side === 'bare' ? knex(config) : knex(goneAway(config));
}

async function connectionId(db: Knex): Promise<number> {
  const [[row]] = await db.raw('select connection_id() as id');
  return Number(row.id);
}

// knex keeps the password of a connection non-enumerable and copies configs with it (client.js,
// make-knex.js withUserParams); every copy goneaway makes of a user's config must keep it, and the
// connection configuration provider (a function, with its expirationChecker) must behave as in knex.
describe('config copies keep what knex keeps (shared server, a user with a password)', () => {
  const server = sharedServer();
  const user = `goneaway_pw_${process.pid}`;
  const password = `pw-${process.pid}-${Math.random().toString(36).slice(2)}`;
  let settings: Settings;

  beforeAll(async () => {
    await server.query(`CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${password}'`);
    await server.query(`ALTER USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    const { host, port } = server.connection;
    settings = { host, port, user };
  });
  afterAll(async () => {
    await server.query(`DROP USER IF EXISTS '${user}'@'%'`);
  });

  const base = (connection: Knex.Config['connection']): Knex.Config => ({
    client: 'mysql2',
    connection,
    pool: { min: 0, max: 2 },
    log: captureLog().log,
  });

  describe.each<Side>(['bare', 'goneaway'])('%s', (side) => {
    it("connects with a copy of a bare knex's client.config (spread or as it is)", async () => {
      const origin = knex(base({ ...settings, password }));
      try {
        for (const copy of [{ ...origin.client.config }, origin.client.config]) {
          expect(Object.keys(copy.connection)).not.toContain('password');
          const db = make(side, copy);
          try {
            expect(await connectionId(db)).toBeGreaterThan(0);
          } finally {
            await db.destroy();
          }
        }
      } finally {
        await origin.destroy();
      }
    });

    it('connects with a connection object whose password is not enumerable', async () => {
      const db = make(side, base(withHiddenPassword(settings, password)));
      try {
        expect(await connectionId(db)).toBeGreaterThan(0);
      } finally {
        await db.destroy();
      }
    });

    it('connects with a password given by a getter, read when connecting', async () => {
      let reads = 0;
      const connection = {
        ...settings,
        get password() {
          reads++;
          return password;
        },
      };
      const db = make(side, base(connection));
      try {
        expect(await connectionId(db)).toBeGreaterThan(0);
        expect(reads).toBeGreaterThan(0);
      } finally {
        await db.destroy();
      }
    });

    it('connects with a connection provider, sync or async, returning a hidden password', async () => {
      const providers = [
        () => withHiddenPassword(settings, password),
        async () => withHiddenPassword(settings, password),
      ];
      for (const provider of providers) {
        const db = make(side, base(provider as never));
        try {
          expect(await connectionId(db)).toBeGreaterThan(0);
        } finally {
          await db.destroy();
        }
      }
    });

    it('calls the provider again when its expirationChecker says the settings expired', async () => {
      let calls = 0;
      let expired = false;
      const provider = () => {
        calls++;
        expired = false;
        return Object.assign(withHiddenPassword(settings, password), { expirationChecker: () => expired });
      };
      const db = make(side, { ...base(provider as never), pool: { min: 0, max: 1 } });
      try {
        const first = await connectionId(db);
        expect(await connectionId(db)).toBe(first);
        expect(calls).toBe(1);
        // Expired: knex refreshes the settings on the next acquire and replaces the pooled connection.
        expired = true;
        const second = await connectionId(db);
        expect(calls).toBe(2);
        expect(second).not.toBe(first);
      } finally {
        await db.destroy();
      }
    });

    it('connects with a provider that returns a URL string', async () => {
      const { host, port } = server.connection;
      const url = `mysql://${user}:${encodeURIComponent(password)}@${host}:${port}/`;
      const db = make(side, base((() => url) as never));
      try {
        expect(await connectionId(db)).toBeGreaterThan(0);
      } finally {
        await db.destroy();
      }
    });

    it('a wrong hidden password still fails as an access denial', async () => {
      const db = make(side, {
        ...base(withHiddenPassword(settings, 'not-the-password')),
        acquireConnectionTimeout: 5_000,
      });
      try {
        const error = await db.raw('select 1').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(codeOf(error)).toBe('ER_ACCESS_DENIED_ERROR');
        expect(String((error as Error).message)).toContain('using password: YES');
      } finally {
        await db.destroy();
      }
    });
  });
});
