import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly freeMemoryBytes: number;
  /** 1, 5 and 15 minute load averages when the benchmark started: a loaded machine widens the noise floor. */
  readonly loadAverage: readonly number[];
  readonly os: string;
  readonly node: string;
  readonly mariadb: string;
  readonly versions: Readonly<Record<string, string>>;
}

const require = createRequire(import.meta.url);

function readManifest(path: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

function packageVersion(name: string): string {
  try {
    return readManifest(require.resolve(`${name}/package.json`))?.version ?? 'unknown';
  } catch {
    // Its exports hide package.json (typeorm, mariadb): walk up from the entry point instead.
  }
  try {
    let dir = dirname(require.resolve(name));
    while (dir !== dirname(dir)) {
      const manifest = readManifest(join(dir, 'package.json'));
      if (manifest?.name === name) return manifest.version ?? 'unknown';
      dir = dirname(dir);
    }
  } catch {
    // not installed
  }
  return 'unknown';
}

export function machineInfo(mariadbVersion: string): MachineInfo {
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
    os: `${platform()} ${release()}`,
    node: process.version,
    mariadb: mariadbVersion,
    versions: {
      knex: packageVersion('knex'),
      mysql2: packageVersion('mysql2'),
      '@goneaway/knex': packageVersion('@goneaway/knex'),
      '@goneaway/mysql2': packageVersion('@goneaway/mysql2'),
      typeorm: packageVersion('typeorm'),
      '@goneaway/typeorm': packageVersion('@goneaway/typeorm'),
      '@prisma/client': packageVersion('@prisma/client'),
      '@prisma/adapter-mariadb': packageVersion('@prisma/adapter-mariadb'),
      mariadb: packageVersion('mariadb'),
      '@goneaway/prisma': packageVersion('@goneaway/prisma'),
      sequelize: packageVersion('sequelize'),
      '@goneaway/sequelize': packageVersion('@goneaway/sequelize'),
    },
  };
}
