/** Drivers return integers as number, string or bigint depending on their settings; NaN for anything else. */
export function driverNumber(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' || typeof raw === 'bigint') return Number(raw);
  return Number.NaN;
}
