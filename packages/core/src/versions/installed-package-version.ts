import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface Manifest {
  readonly name?: unknown;
  readonly version?: unknown;
}

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/**
 * The version of package `name` as Node resolves it from `from` (a module's `import.meta.url` or a
 * file path): for a peer dependency, resolved from the goneaway package that declares it, that is
 * the copy the application installed beside it. Read from its package.json, found directly or,
 * when the package's `exports` hide it, above the file its main entry resolves to. `undefined` when
 * it is not installed there (a bundle, a missing peer) or has no readable version.
 */
export function installedPackageVersion(name: string, from: string | URL): string | undefined {
  let requireFromHere: NodeJS.Require;
  try {
    requireFromHere = createRequire(from);
  } catch {
    return undefined;
  }
  const resolve = (request: string): string | undefined => {
    try {
      return requireFromHere.resolve(request);
    } catch {
      return undefined;
    }
  };
  const direct = resolve(`${name}/package.json`);
  const manifest = direct === undefined ? undefined : readManifest(direct);
  if (manifest?.name === name) return typeof manifest.version === 'string' ? manifest.version : undefined;
  const entry = resolve(name);
  if (entry === undefined) return undefined;
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const found = readManifest(join(dir, 'package.json'));
    // A nested package.json without a name (`{ "type": "module" }` in dist/) is not the package's own.
    if (found === undefined || found.name === undefined) continue;
    if (found.name !== name) return undefined;
    return typeof found.version === 'string' ? found.version : undefined;
  }
  return undefined;
}
