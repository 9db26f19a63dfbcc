import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeepAliveFacts } from './server-facts.js';

export const LINUX_KEEPALIVE_DIR = '/proc/sys/net/ipv4';

/**
 * The kernel's keepalive defaults: what a socket uses unless the app sets its own delay. Only Linux
 * exposes them as files; elsewhere every field is undefined and the report says so.
 */
export async function readOsKeepAlive(dir: string = LINUX_KEEPALIVE_DIR): Promise<KeepAliveFacts> {
  const [timeSeconds, intervalSeconds, probes] = await Promise.all(
    ['tcp_keepalive_time', 'tcp_keepalive_intvl', 'tcp_keepalive_probes'].map((name) =>
      readInteger(join(dir, name)),
    ),
  );
  const source = timeSeconds === undefined ? undefined : dir;
  return { timeSeconds, intervalSeconds, probes, source };
}

async function readInteger(path: string): Promise<number | undefined> {
  try {
    const value = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isSafeInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
