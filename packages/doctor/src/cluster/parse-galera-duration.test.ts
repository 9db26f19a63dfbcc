import { describe, expect, it } from 'vitest';
import { parseGaleraDuration, providerOption } from './parse-galera-duration.js';

describe('parseGaleraDuration', () => {
  it('reads the ISO 8601 durations Galera prints', () => {
    expect(parseGaleraDuration('PT5S')).toBe(5000);
    expect(parseGaleraDuration('PT0.5S')).toBe(500);
    expect(parseGaleraDuration('PT1M30S')).toBe(90_000);
    expect(parseGaleraDuration('PT1H')).toBe(3_600_000);
    expect(parseGaleraDuration('P1D')).toBe(86_400_000);
  });
  it('returns null for anything else', () => {
    for (const text of ['', 'P', 'PT', '5', '5s', 'PTXS']) expect(parseGaleraDuration(text)).toBeNull();
  });
});

describe('providerOption', () => {
  it('finds one option among many, spaces and all', () => {
    const options =
      'base_port = 4567; evs.inactive_timeout = PT15S; evs.suspect_timeout = PT5S; gmcast.isolate = 0';
    expect(providerOption(options, 'evs.suspect_timeout')).toBe('PT5S');
    expect(providerOption(options, 'evs.inactive_timeout')).toBe('PT15S');
    expect(providerOption(options, 'evs.nothing')).toBeNull();
  });
});
