import { DEFAULT_POLICY } from '@goneaway/core';
import type { PoolAssumptions } from '../doctor-report.js';
import type { KeepAliveFacts, ServerFacts } from '../facts/server-facts.js';
import type { CheckInput } from './check-input.js';

/** Unit tests only: a MariaDB 10.11 with its defaults, a knex pool with its defaults. */
export function checkInput(
  overrides: {
    facts?: Partial<Omit<ServerFacts, 'limits'>>;
    limits?: Partial<ServerFacts['limits']>;
    keepAlive?: Partial<KeepAliveFacts>;
    pool?: Partial<PoolAssumptions>;
  } = {},
): CheckInput {
  return {
    facts: {
      limits: {
        waitTimeoutSeconds: 28_800,
        interactiveTimeoutSeconds: 28_800,
        maxAllowedPacket: 16 * 1024 * 1024,
        readOnly: false,
        superReadOnly: false,
        version: '10.11.19-MariaDB-0+deb12u1',
        flavor: 'mariadb',
        connectionId: 7,
        ...overrides.limits,
      },
      versionComment: 'Debian 12',
      maxConnections: 151,
      maxUserConnections: 0,
      netReadTimeoutSeconds: 30,
      netWriteTimeoutSeconds: 60,
      maxStatementTimeSeconds: 0,
      maxExecutionTimeMs: undefined,
      threadsConnected: 1,
      maxUsedConnections: 1,
      abortedClients: 0,
      uptimeSeconds: 3600,
      ...overrides.facts,
    },
    keepAlive: {
      timeSeconds: 7200,
      intervalSeconds: 75,
      probes: 9,
      source: '/proc/sys/net/ipv4',
      ...overrides.keepAlive,
    },
    pool: { poolMax: 10, instances: 1, idleMs: 30_000, lifetimeMs: null, goneaway: false, ...overrides.pool },
    policy: DEFAULT_POLICY,
  };
}
