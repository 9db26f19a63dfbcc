import { canControlServers, noControlReason } from '@goneaway/test-harness';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatChaosReport } from './format-chaos-report.js';
import { type ChaosReport, runChaos } from './run-chaos.js';
import { chooseSeed } from './seeded-random.js';

/**
 * The short chaos run of `npm test` (the long one is `npm run chaos`): 8 workers transfer money in
 * withTransactionRetry while connections are KILLed, reset and blackholed, COMMITs and their replies
 * are lost, the server is SIGKILLed and restarted and max_allowed_packet flips. Replay a failure with
 * GONEAWAY_CHAOS_SEED=<seed> (the seed is printed first).
 */
const DURATION_MS = 15_000;

describe.skipIf(!canControlServers)('chaos write-safety (short run)', () => {
  if (!canControlServers) console.info(`skipped: ${noControlReason}`);
  const seed = chooseSeed(process.env.GONEAWAY_CHAOS_SEED);
  let report: ChaosReport;

  beforeAll(async () => {
    console.info(`chaos seed ${seed} (replay: GONEAWAY_CHAOS_SEED=${seed})`);
    report = await runChaos({ seed, durationMs: DURATION_MS });
    console.info(formatChaosReport(report));
  }, 150_000);

  it('the chaos actually happened: faults injected, transfers acknowledged', () => {
    expect(report.acked).toBeGreaterThan(100);
    expect(Object.values(report.faults).reduce((sum, c) => sum + c.injected, 0)).toBeGreaterThanOrEqual(8);
  });

  it('no acknowledged transfer lost, no idempotency key twice, no "rolled back" that committed', () => {
    expect({ seed, lost: report.lost, duplicates: report.duplicates, phantoms: report.phantoms }).toEqual({
      seed,
      lost: [],
      duplicates: [],
      phantoms: [],
    });
  });

  it('the balance invariant holds, and every account matches the transfers present', () => {
    expect(report.balance.actual).toBe(report.balance.expected);
    expect(report.accountMismatches).toBe(0);
  });

  it('every transfer settled (none hung after the faults stopped)', () => {
    expect(report.hung).toBe(0);
  });

  it("every error that reached the application is goneaway's typed error or the application's own", () => {
    const untyped = Object.entries(report.surfacedByCode).filter(([code]) => code.startsWith('untyped:'));
    expect({ seed, untyped, samples: untyped.length ? report.untypedSamples : [] }).toEqual({
      seed,
      untyped: [],
      samples: [],
    });
    for (const code of Object.keys(report.surfacedByCode)) {
      expect(code).toMatch(/^(GONEAWAY_[A-Z_]+|APP_TRANSFER_REFUSED|untyped:.*)$/);
    }
  });
});
