import { inspect } from 'node:util';
import type { Scenario } from '../scenario.js';
import { formatMs } from '../timing.js';

/** A wrong password that could never appear in a message by accident. */
function wrongPassword(): string {
  return `wrong-${Math.random().toString(36).slice(2, 10)}-pw`;
}

function leaks(error: unknown, password: string): boolean {
  const text = [
    error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error),
    inspect(error, { depth: 4 }),
  ].join('\n');
  return text.includes(password);
}

/** Authentication failure is final: retrying only locks the account (max_connect_errors) and delays the truth. */
const AT_ONCE_MS = 2000;

export const wrongPasswordScenario: Scenario = {
  id: 'wrong-password',
  title: 'Wrong password',
  cause: 'the configured password is wrong (access denied, 1045)',
  needs: [],
  // Prisma's adapter-mariadb answers a refused login only after its pool gives up (20 s bare).
  timeoutMs: 30_000,
  expect: {
    bare: {
      text: 'fails at once with access denied, no password in the message',
      check: (f) => f.errors.count === 1 && f.metrics.leaked === false,
    },
    goneaway: {
      text: 'fails at once (not retried) with a clear message and no password in it',
      check: (f) => f.errors.count === 1 && f.metrics.leaked === false && Number(f.metrics.ms) < AT_ONCE_MS,
    },
  },
  async run(side, lane) {
    const password = wrongPassword();
    const db = side.open({ ...lane.directConnection, password });
    const result = await side.call(() => db.read('SELECT 1 AS one'));
    const leaked = result.ok ? false : leaks(result.error, password);
    const what = result.ok ? 'connected (!)' : `rejected in ${formatMs(result.ms)}`;
    return {
      saw: `${what}; password ${leaked ? 'LEAKED in the error' : 'not in the message'}`,
      metrics: { ms: result.ms, leaked },
    };
  },
};
