/** Order statistics for latency samples: nearest-rank percentiles on a sorted copy. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return percentileOfSorted(sorted, p);
}

export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += values[index] as number;
  return sum / values.length;
}

export function min(values: ArrayLike<number>): number {
  let result = Number.POSITIVE_INFINITY;
  for (let index = 0; index < values.length; index++) result = Math.min(result, values[index] as number);
  return values.length === 0 ? Number.NaN : result;
}

export function max(values: ArrayLike<number>): number {
  let result = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < values.length; index++) result = Math.max(result, values[index] as number);
  return values.length === 0 ? Number.NaN : result;
}

/** Rounds for JSON: 3 significant decimals are plenty for ms and ratios, and keep the files readable. */
export function round(value: number, decimals = 3): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
