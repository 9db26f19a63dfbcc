// tsx examples/kysely/main.ts [mysql://user:password@host:port/database]
// Without a URL (or MYSQL_URL) a private MariaDB is started for the run. The transfer's session is
// KILLed once, mid-transaction, and the idle pool's sessions are KILLed too: the report shows the
// transfer lost once (GONEAWAY_TRANSACTION_LOST), run again whole, and one transfer row.
import { runExampleCli } from '../shared/cli.js';
import { killIdleSessions, killSession } from '../shared/sessions.js';
import { run } from './kysely-example.js';

await runExampleCli('Kysely (MysqlDialect) on wrapMysql2(mysql2).createPool', (url) =>
  run(url, {
    whileIdle: async () => {
      process.stdout.write(`KILLed ${await killIdleSessions(url)} idle sessions of the pool\n`);
    },
    insideTransaction: async (sessionId, attempt) => {
      if (attempt > 1) return;
      process.stdout.write(`KILLed session ${sessionId} inside the transfer\n`);
      await killSession(url, sessionId);
    },
  }),
);
