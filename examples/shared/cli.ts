import { startMariaDB } from '@goneaway/test-harness';

/**
 * Runs an adapter example from the command line: against the URL given (argument or MYSQL_URL), or
 * against a private MariaDB started for the run and removed after it. Prints the report as JSON.
 */
export async function runExampleCli<R>(name: string, run: (url: string) => Promise<R>): Promise<void> {
  const given = process.argv[2] ?? process.env.MYSQL_URL;
  const server = given === undefined ? await startMariaDB() : undefined;
  try {
    const url = given ?? server!.url;
    process.stdout.write(`${name} against ${url.replace(/:[^:@/]*@/, ':***@')}\n`);
    const report = await run(url);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await server?.destroy();
  }
}
