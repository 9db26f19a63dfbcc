import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as core from '@goneaway/core';
import * as adapterApi from '@goneaway/core/adapter';
import * as userFacing from '@goneaway/core/public';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * One public surface: what users import is listed once, in packages/core/src/public.ts, and every
 * adapter package re-exports that list whole, so `import { GoneAwayConfigError, isDeadlock } from
 * '@goneaway/<any adapter>'` works everywhere and the packages cannot drift apart. The adapters are
 * found on disk (every package but core and doctor): a new one is checked without being listed here.
 * Values are compared at runtime (the same objects); types through the compiler (the same
 * declarations), since a local type of the same name would silently shadow `export *`. Runs against
 * the TypeScript sources; test/packaging checks the packed packages.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NOT_ADAPTERS = new Set(['core', 'doctor']);
const PUBLIC_LINE = "export * from '@goneaway/core/public';";

/** Other entry-point names kept beside `goneAway<Library>`: each must be the canonical function itself. */
const ALIASES: Record<string, Record<string, string>> = {
  '@goneaway/knex': { goneAway: 'goneAwayKnex' },
  '@goneaway/mysql2': { wrapMysql2: 'goneAwayMysql2' },
  '@goneaway/prisma': { withGoneaway: 'goneAwayPrisma' },
};

interface AdapterPackage {
  readonly dir: string;
  readonly name: string;
  readonly indexFile: string;
}

const adapters: AdapterPackage[] = readdirSync(join(repoRoot, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !NOT_ADAPTERS.has(entry.name))
  .map((entry) => {
    const dir = join(repoRoot, 'packages', entry.name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
    return { dir, name: manifest.name, indexFile: join(dir, 'src/index.ts') };
  });

/** `goneAway` + the package name's library part: @goneaway/mysql2 → goneAwayMysql2. */
function entryPointName(packageName: string): string {
  const library = packageName.replace(/^@goneaway\//, '');
  return `goneAway${library[0]!.toUpperCase()}${library.slice(1)}`;
}

/** Every `export … from` / `import … from` of a @goneaway/core module in a source file, as written. */
function coreModuleStatements(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  return source.statements
    .filter(
      (statement) =>
        (ts.isExportDeclaration(statement) || ts.isImportDeclaration(statement)) &&
        statement.moduleSpecifier !== undefined &&
        ts.isStringLiteral(statement.moduleSpecifier) &&
        statement.moduleSpecifier.text.startsWith('@goneaway/core'),
    )
    .map((statement) => statement.getText(source).replace(/\s+/g, ' '));
}

// Namespaces as maps: every name is looked up by string.
const userFacingExports = new Map<string, unknown>(Object.entries(userFacing));
const rootExports = new Map<string, unknown>(Object.entries(core));
const adapterExports = new Map<string, unknown>(Object.entries(adapterApi));
const publicNames = [...userFacingExports.keys()].sort();

/**
 * Every name a module exports, types included, each with the declaration it finally resolves to (through
 * `export *` and re-exports): what a user's `import type { X } from '@goneaway/<adapter>'` gets.
 */
function exportedDeclarations(
  files: readonly string[],
): Map<string, Map<string, ts.Declaration | undefined>> {
  const config = ts.readConfigFile(join(repoRoot, 'tsconfig.base.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
  const program = ts.createProgram({ rootNames: [...files], options: { ...options, noEmit: true } });
  const checker = program.getTypeChecker();
  const result = new Map<string, Map<string, ts.Declaration | undefined>>();
  for (const file of files) {
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    const exports = new Map<string, ts.Declaration | undefined>();
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      exports.set(symbol.name, target.declarations?.[0]);
    }
    result.set(file, exports);
  }
  return result;
}

describe('@goneaway/core: the three entry points', () => {
  it('the user-facing list holds every error, guard, code table, classification and event name', () => {
    expect(publicNames).toEqual(
      expect.arrayContaining([
        ...['GoneAwayError', 'ConnectionLostError', 'TransactionLostError', 'CommitOutcomeUnknownError'],
        ...['PacketTooLargeError', 'DatabaseUnavailableError', 'GoneAwayConfigError'],
        ...['isGoneAwayError', 'isConnectionLost', 'isTransactionLost', 'isCommitOutcomeUnknown'],
        ...['isPacketTooLarge', 'isDatabaseUnavailable', 'isGoneAwayConfigError', 'findGoneAwayError'],
        ...['isDeadlock', 'isGoneAwayCode', 'GONEAWAY_CODES', 'classify', 'ERROR_KINDS'],
        ...['GONEAWAY_EVENT_TYPES', 'EVICTION_REASONS', 'GONEAWAY_CHANNEL', 'subscribe'],
      ]),
    );
  });

  it('the root re-exports the user-facing list (the same objects) and shares no name with /adapter', () => {
    for (const name of publicNames) {
      expect(rootExports.get(name), name).toBe(userFacingExports.get(name));
    }
    expect(adapterExports.size).toBeGreaterThan(20);
    expect([...adapterExports.keys()].filter((name) => rootExports.has(name))).toEqual([]);
  });

  it('the adapter-building machinery is not in the root', () => {
    for (const name of [
      'ConnectionPipeline',
      'IdleReaper',
      'ReconnectGate',
      'createRetryEngine',
      'CommitMarker',
    ]) {
      expect(adapterExports.has(name), name).toBe(true);
      expect(rootExports.has(name), name).toBe(false);
    }
  });
});

describe.each(adapters)('$name', (adapter) => {
  it(`src/index.ts re-exports the user-facing list with \`${PUBLIC_LINE}\` and nothing else from core`, () => {
    // `export *` carries the types too, which no runtime check can see: this line is the guarantee.
    expect(coreModuleStatements(adapter.indexFile)).toEqual([PUBLIC_LINE]);
  });

  it('exports every user-facing name (the same objects), no other core name, and its own entry points', async () => {
    const module = (await import(/* @vite-ignore */ pathToFileURL(adapter.indexFile).href)) as Record<
      string,
      unknown
    >;
    const names = Object.keys(module);
    expect(names.filter((name) => userFacingExports.has(name)).sort()).toEqual(publicNames);
    for (const name of publicNames) {
      expect(module[name], name).toBe(userFacingExports.get(name));
    }
    // Anything else it exports is its own, never a root-only or adapter-building core name.
    const own = names.filter((name) => !userFacingExports.has(name));
    expect(own.filter((name) => rootExports.has(name) || adapterExports.has(name))).toEqual([]);
    for (const name of [entryPointName(adapter.name), 'stats', 'subscribeTo', 'withTransactionRetry']) {
      expect(typeof module[name], `${adapter.name} exports ${name}`).toBe('function');
    }
    for (const [alias, canonical] of Object.entries(ALIASES[adapter.name] ?? {})) {
      expect(module[alias], `${alias} is ${canonical}`).toBe(module[canonical]);
    }
  });
});

describe('types included', () => {
  const publicFile = join(repoRoot, 'packages/core/src/public.ts');
  const coreSource = join(repoRoot, 'packages/core/src/');
  let declarations: Map<string, Map<string, ts.Declaration | undefined>>;

  beforeAll(() => {
    declarations = exportedDeclarations([publicFile, ...adapters.map((adapter) => adapter.indexFile)]);
  }, 60_000);

  it('the user-facing list has types beside its values', () => {
    const names = [...declarations.get(publicFile)!.keys()];
    expect(names.length).toBeGreaterThan(publicNames.length + 30);
    expect(names).toEqual(
      expect.arrayContaining(['GoneAwayOptions', 'TransactionRetryInfo', 'GoneAwayEvent']),
    );
  });

  it.each(adapters)(
    '$name exports every user-facing type and value, the same declarations, and no other core name',
    (adapter) => {
      const expected = declarations.get(publicFile)!;
      const actual = declarations.get(adapter.indexFile)!;
      const differing = [...expected].filter(([name, declaration]) => actual.get(name) !== declaration);
      expect(differing.map(([name]) => name)).toEqual([]);
      const otherCoreNames = [...actual]
        .filter(
          ([name, declaration]) =>
            !expected.has(name) && declaration?.getSourceFile().fileName.startsWith(coreSource),
        )
        .map(([name]) => name);
      expect(otherCoreNames).toEqual([]);
    },
  );
});

describe('@goneaway/mysql2/adapter: what other adapters build on, kept out of the public entry', () => {
  it('exports poolCommitMarker, which @goneaway/mysql2 itself does not', async () => {
    const adapterOnly = await import('@goneaway/mysql2/adapter');
    const publicEntry = (await import('@goneaway/mysql2')) as Record<string, unknown>;
    expect(typeof adapterOnly.poolCommitMarker).toBe('function');
    for (const name of Object.keys(adapterOnly)) {
      expect(publicEntry, `${name} is not public`).not.toHaveProperty(name);
    }
  });
});

it('finds the adapters on disk', () => {
  expect(adapters.map((adapter) => adapter.name)).toEqual(
    expect.arrayContaining(['@goneaway/knex', '@goneaway/mysql2', '@goneaway/prisma', '@goneaway/typeorm']),
  );
});
