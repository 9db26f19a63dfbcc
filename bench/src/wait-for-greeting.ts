import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * When the server starts accepting connections again: polls `host:port` with a raw TCP connect and
 * resolves with the moment (performance.now()) the first byte of the server's greeting arrives. Goes
 * straight to the server, not through the fault proxy, so it never counts as a client connect.
 */
export async function waitForGreeting(
  host: string,
  port: number,
  signal: AbortSignal,
  everyMs = 5,
): Promise<number | undefined> {
  while (!signal.aborted) {
    const at = await greetingOnce(host, port);
    if (at !== undefined) return at;
    await sleep(everyMs, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

function greetingOnce(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (at: number | undefined) => {
      socket.destroy();
      resolve(at);
    };
    socket.setTimeout(1000, () => done(undefined));
    socket.once('data', () => done(performance.now()));
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(undefined));
  });
}
