import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { assertSupportedVersion } from '@goneaway/core/adapter';

/** The mysql2 versions @goneaway/mysql2 works with: its `peerDependencies` range (a test keeps them equal). */
export const SUPPORTED_MYSQL2_RANGE = '>=3.9.0';

interface CachedModule {
  readonly exports?: unknown;
  readonly filename?: string;
}

/**
 * The version of the installed mysql2 package `mysql2` (the module or mysql2/promise) was loaded
 * from, read from its package.json through Node's module cache (mysql2 is CommonJS: an ESM import
 * of it is cached there too). Undefined when it is not there (a bundle) or unreadable.
 */
export function mysql2VersionOf(mysql2: object): string | undefined {
  const candidates = new Set<unknown>([mysql2, (mysql2 as { default?: unknown }).default]);
  let cache: Record<string, CachedModule | undefined>;
  try {
    // Any path will do: every require function shares the one module cache.
    cache = createRequire(join(process.cwd(), 'goneaway.cjs')).cache;
  } catch {
    // No working directory any more (it was removed): nothing to read the version from.
    return undefined;
  }
  for (const cached of Object.values(cache)) {
    if (cached?.filename === undefined || !candidates.has(cached.exports)) continue;
    for (let dir = dirname(cached.filename); dir !== dirname(dir); dir = dirname(dir)) {
      const manifest = readManifest(join(dir, 'package.json'));
      if (manifest !== undefined) return manifest.name === 'mysql2' ? manifest.version : undefined;
    }
  }
  return undefined;
}

function readManifest(path: string): { readonly name?: unknown; readonly version?: string } | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
    return {
      name: manifest.name,
      version: typeof manifest.version === 'string' ? manifest.version : undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * Throws GoneAwayConfigError, naming the supported range, when `mysql2` comes from a mysql2 release
 * goneaway does not work with. A version it cannot find is left to the checks on what createPool returns.
 */
export function assertSupportedMysql2(mysql2: object): void {
  assertSupportedVersion('mysql2', mysql2VersionOf(mysql2), SUPPORTED_MYSQL2_RANGE);
}
