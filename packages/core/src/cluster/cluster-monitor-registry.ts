import type { EventHub } from '../events/event-hub.js';
import { ClusterMonitor, type ClusterMonitorOptions } from './cluster-monitor.js';
import { hostKey } from './cluster-options.js';

export interface ClusterMonitorLease {
  readonly monitor: ClusterMonitor;
  /** Gives the lease back; the last one closes the monitor. Idempotent. */
  release(): void;
}

export interface AcquireClusterMonitorOptions extends ClusterMonitorOptions {
  /**
   * Who connects (the user name, never the password): pools of different users do not share probes,
   * since their connections may see different things (a SUPER user ignores read_only).
   */
  readonly user: string;
  /** The lessee's event hub: the monitor's events are emitted there too, stamped with its name. */
  readonly events?: EventHub;
}

interface Entry {
  readonly monitor: ClusterMonitor;
  leases: number;
}

/**
 * The one place where cluster monitors are shared between pools. Every pool of a process that names
 * the same cluster (flavor, hosts in any order, user) leases the same monitor, so each host is probed
 * once however many pools (a knex writer and reader, an ORM beside them) use it, and they all agree
 * on the writer at the same moment. A lease with readers enabled turns on the replicas' lag reading of
 * a monitor made without it (readLagUpTo). Reference-counted rather than weakly held: a monitor's timers and
 * sockets must stop when its last pool closes, not when the garbage collector gets to it. The first
 * lease's settings (probe interval, timeout, connect) are the monitor's; later leases share them.
 */
export class ClusterMonitorRegistry {
  readonly #entries = new Map<string, Entry>();

  /** The key pools share a monitor by: flavor, the sorted `host:port` list (host names lower-cased) and the user. */
  static keyOf(options: Pick<AcquireClusterMonitorOptions, 'cluster' | 'user'>): string {
    const hosts = options.cluster.hosts
      .map((host) => hostKey({ host: host.host.toLowerCase(), port: host.port }))
      .sort();
    return JSON.stringify([options.cluster.flavor, hosts, options.user]);
  }

  acquire(options: AcquireClusterMonitorOptions): ClusterMonitorLease {
    const key = ClusterMonitorRegistry.keyOf(options);
    let entry = this.#entries.get(key);
    if (entry === undefined || entry.monitor.closed) {
      entry = { monitor: new ClusterMonitor(options), leases: 0 };
      this.#entries.set(key, entry);
    }
    const held = entry;
    held.leases += 1;
    if (options.cluster.readers.enabled) held.monitor.readLagUpTo(options.cluster.readers.maxLagMs);
    const hub = options.events;
    const unsubscribe = hub === undefined ? undefined : held.monitor.subscribe((event) => hub.emit(event));
    held.monitor.start();
    let released = false;
    return {
      monitor: held.monitor,
      release: () => {
        if (released) return;
        released = true;
        unsubscribe?.();
        held.leases -= 1;
        if (held.leases === 0) {
          held.monitor.close();
          if (this.#entries.get(key) === held) this.#entries.delete(key);
        }
      },
    };
  }

  /** How many monitors are open (for tests and stats). */
  get size(): number {
    return this.#entries.size;
  }
}

/**
 * The process-wide registry: the only module-level mutable state of the cluster code, on purpose (see
 * ClusterMonitorRegistry). Tests and applications that want isolation create their own registry.
 */
export const sharedClusterMonitors: ClusterMonitorRegistry = new ClusterMonitorRegistry();
