// `npm run demo [-- options]`: every "gone away" cause, run against a bare client (knex + mysql2 by
// default; `--client mysql2`, `typeorm`, `prisma` or `sequelize` for the other adapters) and against
// the same client + goneaway with default options, side by side. The scenarios are real: private
// MariaDB servers are KILLed, restarted and reconfigured, and a TCP fault proxy drops packets;
// nothing is canned. `--cluster` runs the cluster faults of issue #17 instead (a 3-node Galera cluster and
// a primary/replica pair started here): bare knex, mysql2 PoolCluster and both with goneaway, side by side.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseMysqlUrl } from '@goneaway/test-harness';
import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import type { ClientId } from './clients/app-db.js';
import { CLIENT_IDS, CLIENTS } from './clients/index.js';
import { clusterUnavailableReason } from './cluster/cluster-lab.js';
import { CLUSTER_SCENARIOS, selectClusterScenarios } from './cluster/cluster-scenarios.js';
import { CLUSTER_SIDE_IDS, CLUSTER_SIDE_LABELS } from './cluster/cluster-sides.js';
import { renderClusterDemo, renderClusterMarkdown } from './cluster/render-cluster-demo.js';
import { runClusterDemo } from './cluster/run-cluster-demo.js';
import { runWithProgress } from './progress.js';
import { renderMarkdown } from './render-markdown.js';
import { renderSummary } from './render-summary.js';
import { renderTable } from './render-table.js';
import { selectScenarios } from './run-demo.js';
import { SCENARIOS } from './scenarios/index.js';

interface CliOptions {
  client: ClientId;
  url?: string;
  only?: string[];
  json?: string;
  markdown?: string;
  cluster?: boolean;
}

const scenarioList = SCENARIOS.map(
  (scenario, index) => `  ${String(index + 1).padStart(2)}  ${scenario.id.padEnd(18)} ${scenario.title}`,
).join('\n');

const clientList = CLIENT_IDS.map(
  (id) => `  ${id.padEnd(8)} ${CLIENTS[id].labels.bare} vs ${CLIENTS[id].labels.goneaway}`,
).join('\n');

const clusterScenarioList = CLUSTER_SCENARIOS.map(
  (scenario, index) => `  ${String(index + 1).padStart(2)}  ${scenario.id.padEnd(18)} ${scenario.title}`,
).join('\n');

const program = new Command()
  .name('npm run demo --')
  .description(
    'Runs each "MySQL server has gone away" cause twice, with a bare client (knex + mysql2 by default) ' +
      'and with the same client + goneaway, against private MariaDB servers; prints the results side by side.',
  )
  .addOption(
    new Option(
      '--client <client>',
      'the library both sides use: bare on one side, with goneaway on the other',
    )
      .choices(CLIENT_IDS)
      .default('knex'),
  )
  .addOption(
    new Option(
      '--url <url>',
      'use a server you own (mysql://user:password@host:port/db); scenarios that would kill, restart or reconfigure it are skipped',
    ).env('MYSQL_URL'),
  )
  .option('--only <scenarios>', 'comma-separated scenario numbers or ids (see below)', (value: string) =>
    value.split(','),
  )
  .option(
    '--cluster',
    'run the cluster faults instead (Galera node crash, isolated, blackholed, rejoining; a primary/replica switchover and read-only flip): ' +
      `${CLUSTER_SIDE_IDS.map((side) => CLUSTER_SIDE_LABELS[side]).join(', ')}, side by side; starts a 3-node Galera cluster (needs galera-4 and rsync) and a replication pair`,
  )
  .option('--json <file>', 'also write the results as JSON')
  .option('--markdown <file>', 'also write the results as a Markdown table (for the README)')
  .addHelpText(
    'after',
    `\nClients:\n${clientList}\n\nScenarios:\n${scenarioList}\n\nCluster scenarios (--cluster; --only takes these numbers or ids):\n${clusterScenarioList}\n\nExit code: 0 when every goneaway row meets its expectation, 1 otherwise, 2 for bad arguments.`,
  )
  .exitOverride()
  .showHelpAfterError();

async function main(): Promise<number> {
  try {
    program.parse();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const options = program.opts<CliOptions>();
  if (options.cluster) return clusterMain(options);
  let scenarios: ReturnType<typeof selectScenarios>;
  try {
    scenarios = selectScenarios(options.only);
    if (options.url) parseMysqlUrl(options.url, '--url');
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const startedAt = new Date();
  const startedMs = performance.now();
  const demoOptions = { url: options.url, only: options.only, client: options.client };
  const { session, results } = await runWithProgress(demoOptions, scenarios);
  await session.close();
  const report = session.report(results, startedAt, startedMs);

  process.stdout.write(
    `\n${renderTable(report.scenarios, report.client.labels)}\n\n${renderSummary(report)}\n`,
  );
  if (options.json) {
    await writeFile(resolve(options.json), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(pc.dim(`\nResults written to ${options.json}\n`));
  }
  if (options.markdown) {
    await writeFile(resolve(options.markdown), renderMarkdown(report));
    process.stdout.write(
      pc.dim(`${options.json ? '' : '\n'}Markdown table written to ${options.markdown}\n`),
    );
  }
  return report.passed ? 0 : 1;
}

async function clusterMain(options: CliOptions): Promise<number> {
  try {
    selectClusterScenarios(options.only);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (options.url) {
    process.stderr.write(
      '--cluster starts its own Galera cluster and replication pair: it cannot use --url\n',
    );
    return 2;
  }
  const unavailable = clusterUnavailableReason();
  if (unavailable !== undefined) {
    process.stderr.write(`${pc.yellow('The cluster demo cannot run here:')} ${unavailable}\n`);
    return 1;
  }
  const report = await runClusterDemo({
    only: options.only,
    progress: (text) => process.stderr.write(pc.dim(`  ${text}\n`)),
  });
  process.stdout.write(`\n${renderClusterDemo(report)}\n`);
  if (options.json) {
    await writeFile(resolve(options.json), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(pc.dim(`\nResults written to ${options.json}\n`));
  }
  if (options.markdown) {
    await writeFile(resolve(options.markdown), renderClusterMarkdown(report));
    process.stdout.write(pc.dim(`Markdown tables written to ${options.markdown}\n`));
  }
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${pc.red('demo failed:')} ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
