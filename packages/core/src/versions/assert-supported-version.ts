import { GoneAwayConfigError } from '../errors/goneaway-config-error.js';

/** major, minor, patch, and the prerelease identifiers (empty for a release). */
interface ParsedVersion {
  readonly release: readonly [number, number, number];
  readonly prerelease: readonly string[];
}

type Operator = '<' | '<=' | '>' | '>=';

interface Comparator {
  readonly operator: Operator;
  readonly version: ParsedVersion;
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const COMPARATOR = /^(<=|>=|<|>|=)?v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/;

function parseVersion(version: string): ParsedVersion | undefined {
  const match = VERSION.exec(version.trim());
  if (match === null) return undefined;
  return {
    release: [Number(match[1]), Number(match[2]), Number(match[3])],
    prerelease: match[4] === undefined ? [] : match[4].split('.'),
  };
}

function compareIdentifiers(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) return Number(a) - Number(b);
  // semver: numeric identifiers sort before alphanumeric ones.
  if (numeric.test(a)) return -1;
  if (numeric.test(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareVersions(a: ParsedVersion, b: ParsedVersion): number {
  for (let index = 0; index < 3; index++) {
    const difference = a.release[index]! - b.release[index]!;
    if (difference !== 0) return difference;
  }
  // A release sorts after its own prereleases (7.0.0-dev.1 < 7.0.0).
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return b.prerelease.length - a.prerelease.length;
  }
  for (let index = 0; index < Math.max(a.prerelease.length, b.prerelease.length); index++) {
    const [left, right] = [a.prerelease[index], b.prerelease[index]];
    if (left === undefined) return -1;
    if (right === undefined) return 1;
    const difference = compareIdentifiers(left, right);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The lowest version there is with this release: `<2` excludes 2.0.0's prereleases as semver does. */
function lowest(release: readonly [number, number, number]): ParsedVersion {
  return { release, prerelease: ['0'] };
}

/**
 * One comparator of a range in npm's notation, a partial version desugared the way semver does:
 * `<2` is `<2.0.0-0`, `>=1.2` is `>=1.2.0`, `<=1.2` is `<1.3.0-0`, `1.2` is `>=1.2.0 <1.3.0-0`.
 */
function parseComparator(text: string, range: string): Comparator[] {
  const match = COMPARATOR.exec(text);
  if (match === null) {
    throw new TypeError(
      `unsupported version range ${JSON.stringify(range)}: expected comparators like >=1.2.3 <2 joined by spaces or ||, got ${JSON.stringify(text)}`,
    );
  }
  const operator = (match[1] ?? '=') as Operator | '=';
  const major = Number(match[2]);
  const minor = match[3] === undefined ? undefined : Number(match[3]);
  const patch = match[4] === undefined ? undefined : Number(match[4]);
  const prerelease = match[5] === undefined ? [] : match[5].split('.');
  if (minor !== undefined && patch !== undefined) {
    const version: ParsedVersion = { release: [major, minor, patch], prerelease };
    if (operator === '=') {
      return [
        { operator: '>=', version },
        { operator: '<=', version },
      ];
    }
    // An upper bound on a release also keeps that release's prereleases out.
    if (operator === '<' && prerelease.length === 0) return [{ operator, version: lowest(version.release) }];
    return [{ operator, version }];
  }
  if (prerelease.length > 0) {
    throw new TypeError(
      `unsupported version range ${JSON.stringify(range)}: a prerelease needs a full version`,
    );
  }
  const first: [number, number, number] = [major, minor ?? 0, 0];
  const next: [number, number, number] = minor === undefined ? [major + 1, 0, 0] : [major, minor + 1, 0];
  switch (operator) {
    case '>=':
      return [{ operator: '>=', version: { release: first, prerelease: [] } }];
    case '<':
      return [{ operator: '<', version: lowest(first) }];
    case '>':
      return [{ operator: '>=', version: { release: next, prerelease: [] } }];
    case '<=':
      return [{ operator: '<', version: lowest(next) }];
    default:
      return [
        { operator: '>=', version: { release: first, prerelease: [] } },
        { operator: '<', version: lowest(next) },
      ];
  }
}

function parseRange(range: string): Comparator[][] {
  return range.split('||').map((alternative) => {
    // `>= 1.2.3` is one comparator: join an operator with the version after it.
    const tokens = alternative
      .trim()
      .replace(/(<=|>=|<|>|=)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    if (tokens.length === 0) {
      throw new TypeError(`unsupported version range ${JSON.stringify(range)}: an empty alternative`);
    }
    return tokens.flatMap((token) => parseComparator(token, range));
  });
}

function holds(version: ParsedVersion, comparator: Comparator): boolean {
  const order = compareVersions(version, comparator.version);
  switch (comparator.operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

/**
 * Whether `version` is in `range`, for the range forms peer dependencies use: comparators (`>=`,
 * `>`, `<=`, `<`, `=`, full or partial versions) joined by spaces (all must hold) or `||` (any
 * alternative). A prerelease is ordered below its release (so 8.0.0-dev.1 is `>=7.0.0`, 2.0.0-beta
 * is not `<2`); unlike semver's `satisfies`, a prerelease of another release is not excluded: the
 * question here is whether the code works, not which release npm would pick. Throws TypeError for
 * a range form it does not read (`^`, `~`, `x`): ranges are ours, a unit test parses each of them.
 * `undefined` when `version` is not a version.
 */
export function satisfiesVersionRange(version: string, range: string): boolean | undefined {
  const alternatives = parseRange(range);
  const parsed = parseVersion(version);
  if (parsed === undefined) return undefined;
  return alternatives.some((comparators) => comparators.every((comparator) => holds(parsed, comparator)));
}

/**
 * Throws a GoneAwayConfigError naming the installed version and the supported range when
 * `installed` (the version in `library`'s package.json) is outside `range` (the peer dependency
 * range of the goneaway package that calls it). A version that cannot be read (undefined, not
 * semver) passes: the checks on the library's own objects come next.
 *
 * ```ts
 * assertSupportedVersion('typeorm', '0.2.45', '>=0.3.20 <2'); // throws GONEAWAY_CONFIG
 * ```
 */
export function assertSupportedVersion(library: string, installed: string | undefined, range: string): void {
  const supported = installed === undefined ? undefined : satisfiesVersionRange(installed, range);
  if (supported !== false) {
    // Still parse the range: a typo in our own range must not hide until someone installs an old release.
    parseRange(range);
    return;
  }
  throw new GoneAwayConfigError({
    issues: [
      {
        path: library,
        expected: `the installed ${library} to be ${range} (npm install ${library}@"${range}")`,
        received: `${library} ${installed}`,
      },
    ],
  });
}
