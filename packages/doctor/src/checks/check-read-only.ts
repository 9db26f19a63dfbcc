import type { Finding } from '../doctor-report.js';
import type { CheckInput } from './check-input.js';

/**
 * read_only stops writes from accounts without SUPER (MariaDB 10.11: READ ONLY ADMIN); MySQL's
 * super_read_only stops everyone. MariaDB has no super_read_only: reported as null, not as OFF.
 */
export function checkReadOnly({ facts, pool }: CheckInput): Finding {
  const { readOnly, flavor } = facts.limits;
  const superReadOnly = flavor === 'mariadb' ? null : facts.limits.superReadOnly;
  const superText =
    superReadOnly === null ? 'MariaDB has no super_read_only' : `super_read_only is ${onOff(superReadOnly)}`;
  const values = { readOnly, superReadOnly };
  if (!readOnly && !superReadOnly) {
    return {
      id: 'read-only',
      title: 'read_only',
      severity: 'ok',
      summary: `read_only is OFF; ${superText}: this server accepts writes.`,
      fix: 'Nothing to change.',
      values,
    };
  }
  const who = superReadOnly
    ? 'every write fails with error 1290, even from SUPER accounts'
    : `writes from accounts without ${flavor === 'mariadb' ? 'SUPER or READ ONLY ADMIN' : 'SUPER or CONNECTION_ADMIN'} fail with error 1290`;
  const failover = pool.goneaway
    ? 'goneaway drops a connection whose write hit 1290, so after a failover the pool reconnects to wherever the host name now points'
    : 'after a failover bare knex keeps its pooled connections to the demoted server and every write fails with 1290 until they are replaced; goneAway() drops a connection whose write hit 1290 so the pool reconnects';
  return {
    id: 'read-only',
    title: 'read_only',
    severity: 'warn',
    summary: `read_only is ON; ${superText}: ${who}. This is a replica or a demoted primary.`,
    fix: `If the app writes, point it at the primary (or SET GLOBAL read_only = OFF on the server that should be the primary); ${failover}.`,
    values,
  };
}

function onOff(flag: boolean): string {
  return flag ? 'ON' : 'OFF';
}
