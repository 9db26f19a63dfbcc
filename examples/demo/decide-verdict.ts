import { isGoneAwayCode } from './describe-error.js';
import type { Scenario, SideFacts, Verdict } from './scenario.js';

interface Badness {
  readonly label: string;
  measure(facts: SideFacts): number;
  show(facts: SideFacts): string;
}

/** What an application suffers, worst first: the first one that differs decides. */
const BADNESS: readonly Badness[] = [
  {
    label: 'hung',
    measure: (f) => (f.hung || f.timedOut ? 1 : 0),
    show: (f) => (f.hung || f.timedOut ? 'hung' : 'returned'),
  },
  { label: 'errors', measure: (f) => f.errors.count, show: (f) => String(f.errors.count) },
  {
    // An error the application can act on (a GONEAWAY_* code says what happened and what is safe) beats
    // a socket error that says neither.
    label: 'error type',
    measure: (f) => (f.errors.first && !isGoneAwayCode(f.errors.first.code) ? 1 : 0),
    show: (f) => f.errors.first?.code ?? 'none',
  },
  { label: 'noise lines', measure: (f) => f.noise.count, show: (f) => String(f.noise.count) },
];

export function decideVerdict(
  scenario: Scenario,
  bare: SideFacts,
  goneaway: SideFacts,
  goneawayMet: boolean,
): { verdict: Verdict; why: string } {
  if (goneaway.crashed !== undefined)
    return { verdict: 'worse', why: `goneaway side failed: ${goneaway.crashed}` };
  const decided = compareFacts(scenario, bare, goneaway);
  // A row that missed its own expectation is never advertised as a win, whatever this run's numbers.
  if (decided.verdict === 'better' && !goneawayMet) {
    return { verdict: 'same', why: `${decided.why}, but goneaway missed its expectation` };
  }
  return decided;
}

function compareFacts(
  scenario: Scenario,
  bare: SideFacts,
  goneaway: SideFacts,
): { verdict: Verdict; why: string } {
  const custom = scenario.compare?.(bare, goneaway);
  if (custom) return custom;
  for (const badness of BADNESS) {
    const b = badness.measure(bare);
    const g = badness.measure(goneaway);
    if (b !== g) {
      return {
        verdict: g < b ? 'better' : 'worse',
        why: `${badness.label}: ${badness.show(bare)} vs ${badness.show(goneaway)}`,
      };
    }
  }
  return { verdict: 'same', why: 'same errors and noise' };
}
