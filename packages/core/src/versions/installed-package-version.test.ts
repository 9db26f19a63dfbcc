import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { installedPackageVersion } from './installed-package-version.js';

const root = mkdtempSync(join(tmpdir(), 'goneaway-installed-version-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A package on disk under <root>/node_modules, and the file a module beside it would resolve from. */
function install(
  name: string,
  manifest: Record<string, unknown>,
  files: Record<string, string> = {},
): string {
  const dir = join(root, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, ...manifest }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return join(root, 'app.js');
}

describe('installedPackageVersion', () => {
  it('reads the package.json of a package without an exports map', () => {
    const from = install('plain-lib', { version: '0.3.28', main: 'index.js' }, { 'index.js': '' });
    expect(installedPackageVersion('plain-lib', from)).toBe('0.3.28');
    expect(installedPackageVersion('plain-lib', pathToFileURL(from))).toBe('0.3.28');
    expect(installedPackageVersion('plain-lib', pathToFileURL(from).href)).toBe('0.3.28');
  });

  it('finds it above the main entry when exports hide package.json, past a nameless dist/package.json', () => {
    const from = install(
      '@scope/hidden',
      { version: '7.10.0', exports: { '.': { require: './dist/index.js', import: './dist/index.mjs' } } },
      { 'dist/index.js': '', 'dist/index.mjs': '', 'dist/package.json': '{"type":"commonjs"}' },
    );
    expect(installedPackageVersion('@scope/hidden', from)).toBe('7.10.0');
  });

  it('answers undefined for a package that is not installed or has no version', () => {
    const from = install('no-version', { main: 'index.js' }, { 'index.js': '' });
    expect(installedPackageVersion('no-version', from)).toBeUndefined();
    expect(installedPackageVersion('not-installed-anywhere-goneaway', from)).toBeUndefined();
    expect(installedPackageVersion('plain-lib', 'not a path or url')).toBeUndefined();
  });

  it('reads the version of a real installed package', () => {
    expect(installedPackageVersion('zod', import.meta.url)).toMatch(/^4\.\d+\.\d+/);
  });
});
