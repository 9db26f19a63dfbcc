import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

// Process-wide by nature: whatever started a server, the process that owns it must take it down with it.
const children = new Set<ChildProcess>();
const directories = new Set<string>();
/** Process groups (detached children and whatever they spawned, e.g. Galera's SST scripts and rsync). */
const groups = new Set<number>();
let installed = false;

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGKILL every process of group `pgid`; a group that is already gone is not an error. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // No such group any more.
  }
}

/** Synchronous on purpose: it runs inside 'exit', where no callback or promise will ever run again. */
function reapAll(): void {
  for (const child of children) {
    if (isRunning(child)) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  children.clear();
  for (const group of groups) killGroup(group);
  groups.clear();
  if (process.env.GONEAWAY_KEEP_SERVER_DIRS) return;
  for (const dir of directories) {
    try {
      // A SIGKILLed mariadbd may still be closing files for a moment: retry a few times.
      rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 });
    } catch {
      // Best effort: a leftover temp dir is harmless, an exception inside 'exit' is not.
    }
  }
  directories.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  reapAll();
  // Listening to a signal cancels Node's default action (exit). When nobody else handles it,
  // restore that default and raise the signal again so the process still dies the way it was told to.
  if (process.listenerCount(signal) === 1) {
    for (const other of SIGNALS) process.removeListener(other, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', reapAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

/** Kill `child` with SIGKILL if this process exits (normally, by an uncaught error or by SIGINT/SIGTERM/SIGHUP). */
export function reapOnExit(child: ChildProcess): void {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Delete `dir` when this process exits unless `releaseDirectory` was called first (after a normal destroy). */
export function removeOnExit(dir: string): void {
  install();
  directories.add(dir);
}

export function releaseDirectory(dir: string): void {
  directories.delete(dir);
}

/**
 * Kill the whole process group `pgid` (a child spawned with `detached: true` leads its own group) if
 * this process exits: helpers the child spawned (SST scripts, an rsync daemon) go with it.
 */
export function reapGroupOnExit(pgid: number): void {
  install();
  groups.add(pgid);
}

export function releaseGroup(pgid: number): void {
  groups.delete(pgid);
}
