import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface CommandOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Output (stdout and stderr) is appended to this file instead of being shown. */
  readonly logFile?: string;
  /** The whole process group is killed after this long (the result then says so). */
  readonly timeoutMs?: number;
  /** Aborting kills the whole process group at once (e.g. the server it talks to died). */
  readonly signal?: AbortSignal;
}

export interface CommandResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

export class ConformanceError extends Error {
  readonly code = 'CONFORMANCE_FAILED';
}

const running = new Set<number>();

/** Kills the process group of every command still running (on SIGINT / SIGTERM / exit). */
export function killRunningCommands(): void {
  for (const pid of running) killGroup(pid);
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Runs a command in a process group of its own and, when it ends (or times out), kills whatever it
 * left in that group: a host test suite that leaks a child (a server, a watcher) leaves nothing behind.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const log =
      options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
    log?.write(`\n$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', log === undefined ? 'inherit' : 'pipe', log === undefined ? 'inherit' : 'pipe'],
    });
    if (child.pid === undefined) {
      child.once('error', (error) =>
        reject(new ConformanceError(`could not run ${command}: ${error.message}`)),
      );
      return;
    }
    const pid = child.pid;
    running.add(pid);
    if (log !== undefined) {
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
    }
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(pid);
          }, options.timeoutMs);
    const abort = () => killGroup(pid);
    options.signal?.addEventListener('abort', abort, { once: true });
    if (options.signal?.aborted) abort();
    child.once('error', (error) => log?.write(`\n${error.message}\n`));
    child.once('close', (exitCode, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      killGroup(pid);
      running.delete(pid);
      const finish = () =>
        resolvePromise({ exitCode, signal, timedOut, durationMs: Math.round(performance.now() - started) });
      if (log === undefined) finish();
      else log.end(finish);
    });
  });
}

/** Runs a command and throws, naming it and its log, unless it exits 0. */
export async function runOrThrow(
  what: string,
  command: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandResult> {
  const result = await runCommand(command, args, options);
  if (result.exitCode !== 0) {
    const how = result.timedOut ? 'timed out' : `exited with ${result.exitCode ?? result.signal}`;
    const where = options.logFile === undefined ? '' : ` (log: ${options.logFile})`;
    throw new ConformanceError(`${what} ${how}${where}`);
  }
  return result;
}
