import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGoneAwayConfigError } from '@goneaway/core';
import mysql2 from 'mysql2';
import mysql2Promise from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { mysql2VersionOf, SUPPORTED_MYSQL2_RANGE } from './assert-supported-mysql2.js';
import { wrapMysql2 } from './wrap-mysql2.js';

const root = mkdtempSync(join(tmpdir(), 'goneaway-mysql2-version-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A package named mysql2 at `version` on disk, loaded through Node's own require (as an application would). */
function installedMysql2(version: string): { readonly callback: object; readonly promise: object } {
  const dir = join(root, version, 'node_modules', 'mysql2');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'mysql2', version, main: 'index.js' }));
  writeFileSync(
    join(dir, 'index.js'),
    'exports.createPool = () => ({}); exports.createConnection = () => ({});',
  );
  writeFileSync(
    join(dir, 'promise.js'),
    'exports.createPool = () => ({}); exports.createConnection = () => ({});',
  );
  const require = createRequire(join(root, version, 'app.js'));
  return { callback: require('mysql2') as object, promise: require('mysql2/promise') as object };
}

describe('wrapMysql2 and the mysql2 version', () => {
  it('reads the installed mysql2 version of the module and of mysql2/promise', () => {
    const installed = JSON.parse(
      readFileSync(join(createRequire(import.meta.url).resolve('mysql2'), '..', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(mysql2VersionOf(mysql2)).toBe(installed.version);
    expect(mysql2VersionOf(mysql2Promise)).toBe(installed.version);
    expect(mysql2VersionOf({ default: mysql2 })).toBe(installed.version);
    expect(mysql2VersionOf({ createPool: () => undefined })).toBeUndefined();
  });

  it.each(['3.8.0', '2.3.3', '1.7.0'])(
    'refuses mysql2 %s with a GoneAwayConfigError naming the supported range',
    (version) => {
      const old = installedMysql2(version);
      for (const module of [old.callback, old.promise]) {
        const error = (() => {
          try {
            wrapMysql2(module as never);
          } catch (caught) {
            return caught;
          }
          return undefined;
        })();
        expect(isGoneAwayConfigError(error)).toBe(true);
        expect((error as Error).message).toContain(`the installed mysql2 to be ${SUPPORTED_MYSQL2_RANGE}`);
        expect((error as Error).message).toContain(`received mysql2 ${version}`);
      }
    },
  );

  it.each(['3.9.0', '3.24.6', '4.0.0-rc.1'])('accepts mysql2 %s', (version) => {
    expect(() => wrapMysql2(installedMysql2(version).callback as never)).not.toThrow();
  });

  it("names the same range as the package's peerDependencies", () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    expect(manifest.peerDependencies.mysql2).toBe(SUPPORTED_MYSQL2_RANGE);
  });
});
