import type { Scenario } from '../scenario.js';
import { boundaryRace } from './boundary-race.js';
import { halfOpenConnection } from './half-open-connection.js';
import { idlePastWaitTimeout } from './idle-past-wait-timeout.js';
import { killDuringRead } from './kill-during-read.js';
import { killDuringWrite } from './kill-during-write.js';
import { killIdleConnections } from './kill-idle-connections.js';
import { killInsideTransaction } from './kill-inside-transaction.js';
import { packetTooLarge } from './packet-too-large.js';
import { refusedAtStart } from './refused-at-start.js';
import { serverReadOnly } from './server-read-only.js';
import { serverRestart } from './server-restart.js';
import { wrongPasswordScenario } from './wrong-password.js';

/** Every scenario, in the order of the knex plugin issue's list of causes. */
export const SCENARIOS: readonly Scenario[] = [
  idlePastWaitTimeout,
  boundaryRace,
  killIdleConnections,
  killDuringRead,
  killDuringWrite,
  killInsideTransaction,
  packetTooLarge,
  serverRestart,
  halfOpenConnection,
  serverReadOnly,
  wrongPasswordScenario,
  refusedAtStart,
];
