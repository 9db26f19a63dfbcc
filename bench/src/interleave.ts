/**
 * The order of the sides in round `round`: every permutation in turn, so no side always runs first
 * (after an idle pause) or last (when the machine has warmed up, or another process woke up).
 */
export function interleavedOrder<T>(sides: readonly T[], round: number): T[] {
  const permutations = permutationsOf(sides);
  return permutations[round % permutations.length] ?? [...sides];
}

function permutationsOf<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  const result: T[][] = [];
  items.forEach((item, index) => {
    const rest = [...items.slice(0, index), ...items.slice(index + 1)];
    for (const permutation of permutationsOf(rest)) result.push([item, ...permutation]);
  });
  return result;
}

/** ABAB…, starting with B every other call: for benchmarks with two sides and one run per cell. */
export function alternate<T>(first: T, second: T, index: number): [T, T] {
  return index % 2 === 0 ? [first, second] : [second, first];
}
