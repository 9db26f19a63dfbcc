import { HarnessError } from './harness-error.js';

export type ServerOptionValue = string | number | boolean;

/**
 * mariadbd options, written as `--key=value`; `true` writes `--key`, `false` writes `--skip-key`
 * (so `{ log_bin: false }` is `--skip-log_bin`, never a binary log named "OFF").
 * Dashes and underscores are the same option, as for mariadbd.
 */
export type ServerOptions = Readonly<Record<string, ServerOptionValue>>;

/**
 * Small and quick: every test may start its own server on a shared 2-core machine.
 * flush_log_at_trx_commit=2 still survives a SIGKILL of mariadbd (only an OS crash loses the last second).
 */
export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  innodb_buffer_pool_size: '16M',
  innodb_log_file_size: '8M',
  innodb_log_buffer_size: '1M',
  innodb_flush_log_at_trx_commit: 2,
  performance_schema: false,
  log_bin: false,
  skip_name_resolve: true,
  max_connections: 200,
};

/**
 * Options fixed when the datadir is created: servers that set one of them get a datadir of their own
 * (initialised with it) instead of a copy of the shared template.
 */
export const INIT_TIME_OPTIONS: ReadonlySet<string> = new Set([
  'innodb_page_size',
  'innodb_data_file_path',
  'innodb_undo_tablespaces',
  'lower_case_table_names',
  'innodb_checksum_algorithm',
]);

const OPTION_NAME = /^[a-z][a-z0-9_-]*$/i;

export function normalizeOptionName(name: string): string {
  return name.replaceAll('-', '_').toLowerCase();
}

/** Merges option sets (later wins) with normalised names; validates names and values. */
export function mergeServerOptions(...sets: (ServerOptions | undefined)[]): ServerOptions {
  const merged: Record<string, ServerOptionValue> = {};
  for (const set of sets) {
    for (const [name, value] of Object.entries(set ?? {})) {
      if (!OPTION_NAME.test(name)) {
        throw new HarnessError(
          'HARNESS_INVALID_ARGUMENT',
          `serverOptions: "${name}" is not an option name (expected letters, digits, _ or -)`,
        );
      }
      const valid =
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && !/[\r\n\0]/.test(value));
      if (!valid) {
        throw new HarnessError(
          'HARNESS_INVALID_ARGUMENT',
          `serverOptions.${name}: expected a string, a finite number or a boolean, got ${String(value)}`,
        );
      }
      merged[normalizeOptionName(name)] = value;
    }
  }
  return Object.freeze(merged);
}

export function toCommandLine(options: ServerOptions): string[] {
  return Object.entries(options).map(([name, value]) => {
    if (value === true) return `--${name}`;
    if (value === false) return `--skip-${name}`;
    return `--${name}=${value}`;
  });
}

export function initTimeOptions(options: ServerOptions): ServerOptions {
  return Object.freeze(
    Object.fromEntries(Object.entries(options).filter(([name]) => INIT_TIME_OPTIONS.has(name))),
  );
}
