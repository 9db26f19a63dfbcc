import { GoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { markerErrno } from './marker-connection.js';

/** What the marker needs on its table, by the statement that was refused. */
export type MarkerPrivilege = 'CREATE' | 'SELECT' | 'INSERT';

// Table, database and column access denied: the user lacks a privilege on the marker table.
const ACCESS_DENIED_ERRNOS: ReadonlySet<number> = new Set([1142, 1044, 1143]);

/**
 * A refusal for lack of a privilege on the marker table becomes a GoneAwayConfigError at
 * `commitMarker.table` naming the privilege and the GRANT (or DDL) that fixes it; any other error is
 * returned as it is.
 */
export function markerPrivilegeError(error: unknown, privilege: MarkerPrivilege, table: string): unknown {
  const errno = markerErrno(error);
  if (errno === undefined || !ACCESS_DENIED_ERRNOS.has(errno)) return error;
  const expected =
    privilege === 'CREATE'
      ? `a marker table this database user may create: it lacks the CREATE privilege (GRANT CREATE on its database), or create \`${table}\` beforehand (the DDL is in the README) and grant SELECT, INSERT, DELETE on it`
      : `a marker table this database user may use: it lacks the ${privilege} privilege (GRANT SELECT, INSERT, DELETE ON \`${table}\`)`;
  const received =
    privilege === 'CREATE'
      ? `no such table, CREATE denied (error ${errno})`
      : `${privilege} denied (error ${errno})`;
  return new GoneAwayConfigError({
    issues: [{ path: 'commitMarker.table', expected, received }],
    cause: error,
  });
}
