import { describe } from 'vitest';
import { canControlServers, noControlReason } from './server-control.js';

/** Small helpers every integration suite needs, kept here so each suite does not grow its own. */
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `predicate` holds, polling every 20 ms; fails with `what` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A suite that must start, kill or reconfigure its own server: skipped, with the reason, under MYSQL_URL. */
export function describeWithOwnServer(name: string, body: () => void): void {
  if (canControlServers) describe(name, body);
  else describe.skip(`${name} (skipped: ${noControlReason})`, body);
}
