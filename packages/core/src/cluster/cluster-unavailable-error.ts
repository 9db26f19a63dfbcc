import { DatabaseUnavailableError } from '../errors/database-unavailable-error.js';

export interface ClusterUnavailableErrorOptions {
  /** `describeHosts()` of the monitor: every host and its state, no secrets. */
  readonly hosts: string;
  readonly elapsedMs: number;
  /** Why the wait ended: no writer (or, for a reader pool, no reader) before the deadline, or the monitor was closed. */
  readonly why: 'no-writer' | 'no-reader' | 'no-reader-or-writer' | 'closed';
}

/**
 * GONEAWAY_UNAVAILABLE for a cluster: no writer within the caller's budget. A DatabaseUnavailableError
 * (the same code and guard), whose message names every host and its state so the reader sees at once
 * which node is down, read-only or outside the primary component.
 */
const CLUSTER_HINT =
  "Check each host's state above: a writer must answer, be writable (read_only off) and, on Galera, be Synced in the primary component; a reader must be Synced or a replica within readers.maxLagMs. goneaway follows the first host that qualifies, without a restart.";

export class ClusterUnavailableError extends DatabaseUnavailableError {
  readonly hosts: string;
  // "Check that the server is up and reachable" (one server) would mislead when every host is up but read-only.
  override readonly hint: string = CLUSTER_HINT;

  constructor(options: ClusterUnavailableErrorOptions) {
    super({ attempts: 0, elapsedMs: options.elapsedMs });
    this.hosts = options.hosts;
    const what =
      options.why === 'closed'
        ? 'The cluster monitor was closed while waiting for a host'
        : options.why === 'no-reader-or-writer'
          ? `The database is unavailable: no reader in the cluster's rotation and no writer to fall back to after ${this.elapsedMs} ms`
          : options.why === 'no-reader'
            ? `The database is unavailable: no reader in the cluster's rotation after ${this.elapsedMs} ms (readers.fallbackToWriter is false)`
            : `The database is unavailable: no writer in the cluster after ${this.elapsedMs} ms`;
    this.message = `${what}. Hosts: ${options.hosts}. ${CLUSTER_HINT}`;
  }

  protected override jsonFields(): Record<string, unknown> {
    return { ...super.jsonFields(), hosts: this.hosts };
  }
}
