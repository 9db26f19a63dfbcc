import type { AnyBenchmark } from '../benchmark.js';
import { cluster } from './cluster.js';
import { halfOpen } from './half-open.js';
import { idleRace } from './idle-race.js';
import { overhead } from './overhead.js';
import { overheadMysql2 } from './overhead-mysql2.js';
import { overheadPrisma } from './overhead-prisma.js';
import { overheadSequelize } from './overhead-sequelize.js';
import { overheadTypeorm } from './overhead-typeorm.js';
import { packetGuard } from './packet-guard.js';
import { restart } from './restart.js';
import { scale } from './scale.js';

/** Every benchmark, in the order. */
export const BENCHMARKS: readonly AnyBenchmark[] = [
  overhead as AnyBenchmark,
  overheadMysql2 as AnyBenchmark,
  overheadTypeorm as AnyBenchmark,
  overheadPrisma as AnyBenchmark,
  overheadSequelize as AnyBenchmark,
  restart as AnyBenchmark,
  idleRace as AnyBenchmark,
  halfOpen as AnyBenchmark,
  packetGuard as AnyBenchmark,
  scale as AnyBenchmark,
  cluster as AnyBenchmark,
];
