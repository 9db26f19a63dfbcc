import type { Finding } from '../doctor-report.js';
import type { CheckInput } from './check-input.js';

/** `8.0.36`, `10.11.19-MariaDB-…`, `5.5.5-10.6.12-MariaDB` (the prefix MaxScale and old replicas add). */
export function parseVersionNumber(version: string): readonly [number, number, number] | undefined {
  const match = /^(?:5\.5\.5-)?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** Version and flavour: what the server says when it closes, KILLs or times out a connection. */
export function checkServerVersion({ facts }: CheckInput): Finding {
  const { version, flavor } = facts.limits;
  const number = parseVersionNumber(version);
  const numberText = number === undefined ? version : number.join('.');
  const comment = facts.versionComment ? `, ${facts.versionComment}` : '';
  let name: string;
  let behaviour: string;
  if (flavor === 'mariadb') {
    name = `MariaDB ${numberText}`;
    behaviour =
      'an idle connection past wait_timeout is closed without a word; a KILLed one gets error 1927; ' +
      'statement limits use max_statement_time (error 1969)';
  } else if (flavor === 'mysql') {
    name = `MySQL ${numberText}`;
    const [major = 0, minor = 0, patch = 0] = number ?? [];
    const sendsIdleError = major > 8 || (major === 8 && (minor > 0 || patch >= 24));
    behaviour = sendsIdleError
      ? 'it sends error 4031 before closing a connection idle past wait_timeout; statement limits use max_execution_time (error 3024, SELECT only)'
      : 'an idle connection past wait_timeout is closed without a word (4031 arrived in 8.0.24); statement limits use max_execution_time (SELECT only)';
  } else {
    name = 'an unrecognised server';
    behaviour = 'not MySQL or MariaDB by its version string: the checks assume MySQL-compatible variables';
  }
  return {
    id: 'server-version',
    title: 'server version',
    severity: 'info',
    summary: `${name} (${version}${comment}): ${behaviour}.`,
    fix: 'Nothing to change; goneaway classifies the errors of both flavours.',
    values: { version, flavor, versionComment: facts.versionComment ?? null },
  };
}
