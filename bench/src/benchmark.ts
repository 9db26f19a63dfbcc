import type { MachineInfo } from './machine-info.js';
import type { SourceState } from './source-state.js';

export const BENCH_NAMES = [
  'overhead',
  'overhead-mysql2',
  'overhead-typeorm',
  'overhead-prisma',
  'overhead-sequelize',
  'restart',
  'idle-race',
  'half-open',
  'packet-guard',
  'scale',
  'cluster',
] as const;
export type BenchName = (typeof BENCH_NAMES)[number];

/** Benchmarks a plain `npm run bench` leaves out: they take minutes and need more than MariaDB (Galera). */
export const OPT_IN_BENCH_NAMES: readonly BenchName[] = ['cluster'];

export type Side = 'bare' | 'goneaway';

/** One target of the issue, measured: shown beside the value in every table (✓/✗). */
export interface Check {
  readonly label: string;
  readonly target: string;
  readonly measured: string;
  /** null when the run could not measure it (e.g. too few samples). */
  readonly met: boolean | null;
}

export type Tone = 'good' | 'bad' | 'warn' | 'dim' | 'plain';
export type Cell = string | { readonly text: string; readonly tone?: Tone };

/** A table independent of its output: a terminal (cli-table3, colours) or markdown (the README). */
export interface TableSpec {
  readonly head: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Sentences printed under the table: the noise floor, what a column means, why a target is missed. */
  readonly notes?: readonly string[];
}

/** What `bench/results/<name>.json` holds. */
export interface BenchResult<TConfig = unknown, TSummary = unknown, TSamples = unknown> {
  readonly schema: 1;
  readonly benchmark: BenchName;
  readonly title: string;
  /** ISO date of the start. */
  readonly date: string;
  readonly durationMs: number;
  readonly preset: string;
  readonly machine: MachineInfo;
  /** The commit measured, and uncommitted changes under packages/ if any. */
  readonly source: SourceState;
  readonly config: TConfig;
  readonly checks: readonly Check[];
  readonly summary: TSummary;
  readonly samples: TSamples;
}

/** What a benchmark's run returns; the runner adds the envelope (date, machine, timings). */
export interface BenchOutcome<TSummary, TSamples> {
  readonly mariadbVersion: string;
  readonly checks: readonly Check[];
  readonly summary: TSummary;
  readonly samples: TSamples;
}

export interface BenchContext {
  /** A short line on what is running now (shown on a TTY only). */
  progress(text: string): void;
}

export interface Benchmark<TConfig, TSummary, TSamples> {
  readonly name: BenchName;
  readonly title: string;
  /** Needs a server it can kill and restart (not available with MYSQL_URL). */
  readonly needsControl: boolean;
  /** Runs only when named with --only (it takes minutes and needs Galera). */
  readonly optIn?: boolean;
  /** Why it cannot run on this machine (e.g. Galera is not installed); undefined when it can. */
  unavailableReason?(): string | undefined;
  readonly presets: { readonly full: TConfig; readonly quick: TConfig };
  run(config: TConfig, context: BenchContext): Promise<BenchOutcome<TSummary, TSamples>>;
  table(result: BenchResult<TConfig, TSummary, TSamples>): TableSpec;
}

/** Method syntax keeps the parameters bivariant, so every benchmark fits in one list. */
export type AnyBenchmark = Benchmark<unknown, unknown, unknown>;

export function checkMark(met: boolean | null): string {
  if (met === null) return '–';
  return met ? '✓' : '✗';
}

export function toneOf(met: boolean | null): Tone {
  if (met === null) return 'dim';
  return met ? 'good' : 'bad';
}

/** "0.98 ✗" cell, coloured by the check. */
export function verdictCell(text: string, met: boolean | null): Cell {
  return { text: `${text} ${checkMark(met)}`, tone: toneOf(met) };
}
