import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOnExit } from './child-reaper.js';
import { ExternalMariaDBServer } from './external-mariadb-server.js';
import { findMariaDBBinaries } from './find-mariadb-binaries.js';
import { HarnessError } from './harness-error.js';
import { LocalMariaDBServer } from './local-mariadb-server.js';
import { copyTemplate, initializeDatadir, templateDatadir } from './mariadb-datadir.js';
import type { MariaDBServer, StartMariaDBOptions } from './mariadb-server.js';
import { noControlReason } from './server-control.js';
import { DEFAULT_SERVER_OPTIONS, initTimeOptions, mergeServerOptions } from './server-options.js';

const DEFAULT_START_TIMEOUT_MS = 30_000;

/**
 * Starts a private mariadbd on a free loopback port in a fresh temp dir, with an application user
 * (`goneaway`, random password, no SUPER) and database (`goneaway`). With MYSQL_URL set, returns that
 * server instead (canControl false, external true; serverOptions are ignored).
 */
export async function startMariaDB(options: StartMariaDBOptions = {}): Promise<MariaDBServer> {
  const externalUrl = process.env.MYSQL_URL;
  if (externalUrl) {
    return new ExternalMariaDBServer({
      url: externalUrl,
      adminUrl: process.env.MYSQL_ADMIN_URL || undefined,
      controlRefusal: noControlReason,
      external: true,
    });
  }
  return startLocalMariaDB(options, randomBytes(16).toString('hex'));
}

/** startMariaDB without MYSQL_URL, with a given application password (servers of one replication pair share it). */
export async function startLocalMariaDB(
  options: StartMariaDBOptions,
  appPassword: string,
): Promise<LocalMariaDBServer> {
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  if (!Number.isFinite(startTimeoutMs) || startTimeoutMs <= 0) {
    throw new HarnessError(
      'HARNESS_INVALID_ARGUMENT',
      `startTimeoutMs must be a positive number, got ${startTimeoutMs}`,
    );
  }
  const serverOptions = mergeServerOptions(DEFAULT_SERVER_OPTIONS, options.serverOptions);
  const binaries = await findMariaDBBinaries();

  const dir = await mkdtemp(join(tmpdir(), 'goneaway-mariadb-'));
  removeOnExit(dir);
  const datadir = join(dir, 'data');
  const datadirStarted = performance.now();
  const useTemplate = options.useTemplate ?? true;
  try {
    if (useTemplate) {
      await copyTemplate(await templateDatadir(binaries, initTimeOptions(serverOptions)), datadir);
    } else {
      await initializeDatadir(binaries, datadir, initTimeOptions(serverOptions));
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const datadirMs = performance.now() - datadirStarted;

  const server = new LocalMariaDBServer({
    binaries,
    dir,
    datadir,
    logFile: join(dir, 'error.log'),
    socket: join(dir, 'mysqld.sock'),
    pidFile: join(dir, 'mysqld.pid'),
    options: serverOptions,
    startTimeoutMs,
    appPassword,
  });
  try {
    await server.initialize(datadirMs, useTemplate);
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}
