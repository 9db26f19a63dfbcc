import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** One version of one package, as a tarball plus the manifest the registry shows for it. */
export interface RegistryTarball {
  name: string;
  version: string;
  file: string;
  /** The package.json inside the tarball. */
  manifest: Record<string, unknown>;
  integrity: string;
  shasum: string;
}

export interface LocalRegistry {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** Package names npm asked for that the registry does not hold (answered 404). */
  misses: ReadonlySet<string>;
  close(): Promise<void>;
}

/**
 * An npm registry on loopback serving exactly the given tarballs, so that a fresh project runs a
 * real `npm install` (npm resolves the ranges, nests conflicting versions, checks peers, links bins)
 * without reaching the public registry.
 */
export async function startLocalRegistry(tarballs: readonly RegistryTarball[]): Promise<LocalRegistry> {
  const byName = new Map<string, RegistryTarball[]>();
  for (const tarball of tarballs) {
    const list = byName.get(tarball.name) ?? [];
    list.push(tarball);
    byName.set(tarball.name, list);
  }
  const files = new Map<string, string>();
  const misses = new Set<string>();
  let base = '';

  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://registry').pathname).slice(1);
    const file = files.get(path);
    if (file) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(file).pipe(response);
      return;
    }
    const versions = byName.get(path);
    if (!versions) {
      if (!path.startsWith('-/')) misses.add(path);
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"error":"not found"}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(packument(path, versions, base)));
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  for (const tarball of tarballs) files.set(tarballPath(tarball), tarball.file);

  return {
    url: base,
    misses,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

function tarballPath(tarball: RegistryTarball): string {
  return `${tarball.name}/-/${tarball.name.replace(/^@[^/]+\//, '')}-${tarball.version}.tgz`;
}

function packument(name: string, versions: RegistryTarball[], base: string): Record<string, unknown> {
  const sorted = [...versions].sort((a, b) => compareVersions(a.version, b.version));
  return {
    name,
    'dist-tags': { latest: sorted.at(-1)!.version },
    versions: Object.fromEntries(
      sorted.map((tarball) => [
        tarball.version,
        {
          ...tarball.manifest,
          _id: `${name}@${tarball.version}`,
          dist: {
            tarball: base + tarballPath(tarball),
            integrity: tarball.integrity,
            shasum: tarball.shasum,
          },
        },
      ]),
    ),
  };
}

function compareVersions(a: string, b: string): number {
  const parse = (v: string) => v.split(/[.+-]/).map((part) => Number.parseInt(part, 10) || 0);
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** A tarball that is already packed (`pnpm pack`): its manifest is read from inside it. */
export async function describeTarball(file: string): Promise<RegistryTarball> {
  const { stdout } = await execFileAsync('tar', ['-xzOf', file, 'package/package.json'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return withHashes(file, JSON.parse(stdout) as Record<string, unknown>);
}

/**
 * An installed package directory turned back into the tarball it came from (`package/` prefix,
 * nothing from node_modules, each file as a file). Uncompressed: npm reads plain tar as well as gzip, and this is the
 * slow step otherwise.
 */
export async function packInstalledDirectory(dir: string, outDir: string): Promise<RegistryTarball> {
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const name = String(manifest.name);
  const file = join(outDir, `${name.replace('@', '').replace('/', '-')}-${String(manifest.version)}.tar`);
  await execFileAsync('tar', [
    '-cf',
    file,
    '-C',
    dir,
    '--exclude=./node_modules',
    // pnpm's store hard-links files with the same content; npm does not extract hard-link entries.
    '--hard-dereference',
    '--transform=s,^\\.,package,',
    '.',
  ]);
  return withHashes(file, manifest);
}

async function withHashes(file: string, manifest: Record<string, unknown>): Promise<RegistryTarball> {
  const bytes = await readFile(file);
  return {
    name: String(manifest.name),
    version: String(manifest.version),
    file,
    manifest,
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    shasum: createHash('sha1').update(bytes).digest('hex'),
  };
}
