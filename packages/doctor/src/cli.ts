// The `goneaway` bin: `goneaway doctor <mysql-url> [options]`. Exit codes: 0 nothing severe, 1 something
// severe, 2 cannot connect or bad arguments. Nothing printed ever contains the password.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { redactUrlPasswords } from './connection/redact-secrets.js';
import type { DoctorOptions } from './doctor-report.js';
import { isDoctorUsageError } from './doctor-usage-error.js';
import { renderReport, renderUnreachable } from './output/render-report.js';
import { shouldUseColor } from './output/should-use-color.js';
import { DEFAULT_IDLE_MS, DEFAULT_POOL_MAX } from './resolve-assumptions.js';
import { runDoctor } from './run-doctor.js';

interface DoctorFlags {
  poolMax?: number;
  instances?: number;
  idleMs?: number;
  lifetimeMs?: number;
  goneaway?: boolean;
  maxLagMs?: number;
  json?: boolean;
}

function positiveInteger(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed <= 0)
    throw new InvalidArgumentError('Expected a positive integer.');
  return parsed;
}

function write(stream: NodeJS.WriteStream, text: string): void {
  stream.write(text);
}

async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('goneaway')
    .description('goneaway: ends "MySQL server has gone away" for Node.js (knex + mysql2).')
    .configureOutput({
      writeOut: (text) => write(process.stdout, text),
      writeErr: (text) => write(process.stderr, text),
      // Commander quotes what was typed ("argument '…' is invalid"): a URL typed in the wrong place
      // must not come back with its password. Help texts pass unchanged.
      outputError: (text, writeErr) => writeErr(redactUrlPasswords(text)),
    })
    .exitOverride()
    .showHelpAfterError();

  const doctor = program
    .command('doctor')
    .summary('check a MySQL/MariaDB server and your pool settings for the causes of "gone away"')
    .description(
      'Connects once to a MySQL/MariaDB server and checks its settings against your pool: wait_timeout, ' +
        'max_allowed_packet, max_connections, read_only, net and statement timeouts, TCP keepalive; ' +
        'each finding with a severity (ok, info, warn, severe) and a fix. Given a cluster URL, it checks ' +
        'every host (state, lag, which one is the writer, settings that break a failover) and runs the ' +
        'server checks on the writer.',
    )
    .argument(
      '<mysql-url>',
      'mysql://user:password@host:port/database (mariadb:// too; ?ssl=true for TLS); a cluster: ' +
        'mysql://user:password@host1:port1,host2:port2/database?flavor=galera|replication|proxy',
    )
    .option(
      '--pool-max <n>',
      `knex pool.max per process (default ${DEFAULT_POOL_MAX}, knex's)`,
      positiveInteger,
    )
    .option(
      '--instances <n>',
      'processes (containers, workers) each running such a pool (default 1)',
      positiveInteger,
    )
    .option('--idle-ms <ms>', `pool.idleTimeoutMillis (default ${DEFAULT_IDLE_MS}, tarn's)`, positiveInteger)
    .option('--lifetime-ms <ms>', "pool.maxConnectionLifetimeMillis (default none, knex's)", positiveInteger)
    .option(
      '--max-lag-ms <ms>',
      'cluster (?flavor=replication): a replica further behind is lagging (default 5000)',
      positiveInteger,
    )
    .option('--goneaway', 'the app wraps its knex config with goneAway(): judge what goneaway sets')
    .option('--json', 'print one JSON document (the same findings) and nothing else on stdout')
    .addHelpText(
      'after',
      '\nExit code: 0 nothing severe, 1 something severe, 2 cannot connect or bad arguments.\n' +
        'Example: npx goneaway doctor mysql://app:secret@db.internal:3306/shop --pool-max 20 --instances 4\n' +
        "Cluster: npx goneaway doctor 'mysql://app:secret@db1:3306,db2:3306,db3:3306/shop?flavor=galera'",
    )
    .action(async (url: string, flags: DoctorFlags) => {
      const options: DoctorOptions = {
        url,
        ...(flags.poolMax === undefined ? {} : { poolMax: flags.poolMax }),
        ...(flags.instances === undefined ? {} : { instances: flags.instances }),
        ...(flags.idleMs === undefined ? {} : { idleMs: flags.idleMs }),
        ...(flags.lifetimeMs === undefined ? {} : { lifetimeMs: flags.lifetimeMs }),
        ...(flags.maxLagMs === undefined ? {} : { maxLagMs: flags.maxLagMs }),
        goneaway: flags.goneaway === true,
      };
      let report: Awaited<ReturnType<typeof runDoctor>>;
      try {
        report = await runDoctor(options);
      } catch (error) {
        if (!isDoctorUsageError(error)) throw error;
        write(process.stderr, `error: ${error.message}\n\n`);
        doctor.outputHelp({ error: true });
        exitCode = 2;
        return;
      }
      exitCode = report.exitCode;
      if (flags.json) {
        write(process.stdout, `${JSON.stringify(report, null, 2)}\n`);
      } else if (report.connected) {
        const color = shouldUseColor(process.env, process.stdout);
        write(process.stdout, renderReport(report, { color, width: process.stdout.columns }));
      } else {
        write(
          process.stderr,
          renderUnreachable(report, { color: shouldUseColor(process.env, process.stderr) }),
        );
      }
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    // Help asked for: 0; anything commander rejected (missing URL, bad number, unknown option): 2.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    write(process.stderr, `goneaway: unexpected failure: ${redactUrlPasswords(message)}\n`);
    process.exitCode = 1;
  },
);
