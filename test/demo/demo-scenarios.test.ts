// The demo's results are the README's claims: this runs the very scenario runner `npm run demo` uses
// (real private servers, real KILLs, restarts and proxy faults) in a reduced configuration and checks
// that each bare row shows the real failure and each goneaway row meets its expectation.
import { canControlServers, noControlReason } from '@goneaway/test-harness';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_IDS } from '../../examples/demo/clients/index.js';
import { type DemoReport, runDemo } from '../../examples/demo/run-demo.js';
import { FULL_TUNING, type ScenarioResult } from '../../examples/demo/scenario.js';
import { SCENARIOS } from '../../examples/demo/scenarios/index.js';

/** Fewer boundary tries, a shorter restart and hang cap: the same failures, in less time. */
const REDUCED_TUNING = { ...FULL_TUNING, boundaryTries: 24, restartWorkMs: 3000, hangCapMs: 3000 };

function scenario(report: DemoReport, id: string): ScenarioResult {
  const found = report.scenarios.find((result) => result.id === id);
  if (!found) throw new Error(`scenario ${id} missing from the report`);
  return found;
}

describe.skipIf(!canControlServers)('npm run demo: every scenario, both sides', () => {
  let report: DemoReport;

  beforeAll(async () => {
    report = await runDemo({ tuning: REDUCED_TUNING });
    // The JSON written by --json is this object: it must survive the round trip unchanged.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  }, 120_000);

  it('reports every scenario once, with both sides run and no demo error or time-out', () => {
    expect(report.scenarios.map((result) => result.id)).toEqual(SCENARIOS.map((s) => s.id));
    for (const result of report.scenarios) {
      expect(result.skipped, result.id).toBeUndefined();
      for (const side of [result.bare, result.goneaway]) {
        expect(side, result.id).toBeDefined();
        expect(side?.timedOut, `${result.id} ${side?.side}`).toBe(false);
        // A crash of the goneaway side is a plugin failure and is checked below; the bare side has no excuse.
        if (side?.side === 'bare') expect(side.crashed, `${result.id} bare`).toBeUndefined();
      }
    }
    expect(report.totals.ran).toBe(SCENARIOS.length);
    expect(report.server.mode).toBe('private');
  });

  it('bare knex shows the real failure of each cause', () => {
    const idle = scenario(report, 'idle-timeout').bare!;
    expect(idle.noise.count + idle.errors.count).toBeGreaterThan(0);
    expect(idle.noise.first ?? idle.errors.first?.message).toMatch(/Connection Error|ECONNRESET|closed/);

    // The boundary race is a race: the server must at least have closed connections under the tries.
    const race = scenario(report, 'boundary-race').bare!;
    expect(race.errors.count + race.noise.count).toBeGreaterThan(0);

    const read = scenario(report, 'kill-read').bare!;
    expect(read.metrics.killed).toBe(1);
    expect(read.errors.count).toBe(1);
    expect(read.metrics.rows).toBe(0);

    const write = scenario(report, 'kill-write').bare!;
    expect(write.errors.count).toBe(1);
    expect(write.errors.first?.code).not.toMatch(/^GONEAWAY_/);
    expect(write.metrics.rows).toBe(0);

    const transaction = scenario(report, 'kill-trx').bare!;
    expect(transaction.errors.count).toBe(1);
    expect(transaction.metrics.rows).toBe(0);

    const packet = scenario(report, 'packet-too-large').bare!;
    expect(packet.errors.count).toBe(1);
    // knex puts the whole hex-encoded 2 MB blob into the message.
    expect(Number(packet.metrics.messageLength)).toBeGreaterThan(2 * 1024 * 1024);
    expect(packet.errors.first?.message.length).toBeLessThan(100);
    expect(packet.metrics.reconnects).toBe(1);

    const restart = scenario(report, 'server-restart').bare!;
    expect(restart.errors.count).toBeGreaterThan(10);
    expect(Number(restart.metrics.connects)).toBeGreaterThan(10);

    const halfOpen = scenario(report, 'half-open').bare!;
    expect(halfOpen.hung).toBe(true);
    expect(halfOpen.saw).toContain('hung');

    const readOnly = scenario(report, 'read-only').bare!;
    expect(readOnly.errors.first?.code).toBe('ER_OPTION_PREVENTS_STATEMENT');
    expect(readOnly.metrics.evicted).toBe(false);

    const password = scenario(report, 'wrong-password').bare!;
    expect(password.errors.first?.code).toBe('ER_ACCESS_DENIED_ERROR');
    expect(password.metrics.leaked).toBe(false);

    const refused = scenario(report, 'refused-at-start').bare!;
    expect(refused.errors.first?.code).toBe('ECONNREFUSED');

    for (const result of report.scenarios) {
      if (result.id !== 'boundary-race')
        expect(result.bare?.met, `${result.id}: bare shows its failure`).toBe(true);
    }
  });

  it.each(SCENARIOS.map((s) => s.id))('goneaway meets its expectation: %s', (id) => {
    const goneaway = scenario(report, id).goneaway!;
    expect(goneaway.crashed, id).toBeUndefined();
    const why = `${id}: saw "${goneaway.saw}", errors ${JSON.stringify(goneaway.errors)}, metrics ${JSON.stringify(goneaway.metrics)}`;
    expect(goneaway.met, why).toBe(true);
    expect(scenario(report, id).verdict).not.toBe('worse');
  });
});

// The other clients (`--client mysql2`, …): the same scenarios through that library, bare and wrapped.
describe.skipIf(!canControlServers).each(CLIENT_IDS.filter((id) => id !== 'knex'))(
  'npm run demo --client %s: every scenario, both sides',
  (client) => {
    let report: DemoReport;

    beforeAll(async () => {
      report = await runDemo({ tuning: REDUCED_TUNING, client });
      expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    }, 120_000);

    it('runs every scenario on both sides, no demo error or time-out, the client named in the report', () => {
      expect(report.client.id).toBe(client);
      expect(report.scenarios.map((result) => result.id)).toEqual(SCENARIOS.map((s) => s.id));
      for (const result of report.scenarios) {
        for (const side of [result.bare, result.goneaway]) {
          expect(side?.timedOut, `${result.id} ${side?.side}`).toBe(false);
          if (side?.side === 'bare') expect(side.crashed, `${result.id} bare`).toBeUndefined();
        }
      }
    });

    it('the bare library shows the failures that need no luck: a killed read, a restart, a half-open socket', () => {
      const read = scenario(report, 'kill-read').bare!;
      expect(read.errors.count).toBe(1);
      expect(read.metrics.rows).toBe(0);
      expect(scenario(report, 'kill-write').bare!.errors.first?.code).not.toMatch(/^GONEAWAY_/);
      expect(scenario(report, 'packet-too-large').bare!.errors.count).toBe(1);
      expect(scenario(report, 'server-restart').bare!.errors.count).toBeGreaterThan(0);
    });

    it.each(SCENARIOS.map((s) => s.id))('goneaway meets its expectation: %s', (id) => {
      const goneaway = scenario(report, id).goneaway!;
      expect(goneaway.crashed, id).toBeUndefined();
      const why = `${id}: saw "${goneaway.saw}", errors ${JSON.stringify(goneaway.errors)}, metrics ${JSON.stringify(goneaway.metrics)}`;
      expect(goneaway.met, why).toBe(true);
      expect(scenario(report, id).verdict).not.toBe('worse');
    });
  },
);

describe.skipIf(canControlServers)('npm run demo against MYSQL_URL', () => {
  it.skip(`needs servers of its own: ${noControlReason}`, () => undefined);
});
