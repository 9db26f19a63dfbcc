/** Stable codes carried by every error the harness throws; tests compare `code`, not classes. */
export type HarnessErrorCode =
  | 'HARNESS_MARIADB_NOT_INSTALLED'
  | 'HARNESS_DATADIR_INIT_FAILED'
  | 'HARNESS_START_FAILED'
  | 'HARNESS_STOP_FAILED'
  | 'HARNESS_UNSUPPORTED'
  | 'HARNESS_INVALID_ARGUMENT'
  | 'HARNESS_INVALID_STATE'
  | 'HARNESS_DESTROYED'
  | 'HARNESS_GALERA_NOT_INSTALLED'
  | 'HARNESS_TIMEOUT';

export class HarnessError extends Error {
  override name = 'HarnessError';
  readonly code: HarnessErrorCode;

  constructor(code: HarnessErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** The server binaries are missing: the message says what to install. */
export class MariaDBNotInstalledError extends HarnessError {
  override name = 'MariaDBNotInstalledError';
  readonly missing: readonly string[];

  constructor(missing: readonly string[], searched: readonly string[]) {
    super(
      'HARNESS_MARIADB_NOT_INSTALLED',
      `MariaDB server binaries not found: ${missing.join(', ')} (searched PATH and ${searched.join(', ')}).\n` +
        '  Install them:  sudo apt-get install -y mariadb-server   (Debian/Ubuntu; the harness never uses the service itself)\n' +
        '  or run the tests against a server you own:  MYSQL_URL=mysql://user:pass@host:port/db',
    );
    this.missing = missing;
  }
}

/** `mariadbd` did not come up; `logTail` holds the end of its error log (also in the message). */
export class MariaDBStartError extends HarnessError {
  override name = 'MariaDBStartError';
  readonly logTail: string;

  constructor(code: 'HARNESS_START_FAILED' | 'HARNESS_DATADIR_INIT_FAILED', reason: string, logTail: string) {
    super(code, logTail ? `${reason}\n--- last lines of the server log ---\n${logTail}` : reason);
    this.logTail = logTail;
  }
}

/** The operation needs a server the harness controls (not one given by MYSQL_URL or the shared one). */
export class HarnessUnsupportedError extends HarnessError {
  override name = 'HarnessUnsupportedError';

  constructor(message: string) {
    super('HARNESS_UNSUPPORTED', message);
  }
}

export function isHarnessError(error: unknown): error is HarnessError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (error as { code: string }).code.startsWith('HARNESS_')
  );
}
