import { DoctorUsageError } from '../doctor-usage-error.js';

/** Where and as whom to connect, from a `mysql://` URL. */
export interface MysqlTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string | undefined;
  /** `?ssl=true`: TLS with certificate verification. */
  readonly ssl: boolean;
  /** The same URL with the password replaced by `***`: the only form ever printed. */
  readonly redacted: string;
}

export const URL_SHAPE = 'mysql://user:password@host:port/database';
const SCHEMES = new Set(['mysql:', 'mariadb:']);
const DEFAULT_PORT = 3306;
const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };

/**
 * Parses a connection URL without ever putting it, or the password in it, into an error message:
 * messages name the part that is wrong and the shape expected.
 */
export function parseMysqlUrl(url: string): MysqlTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DoctorUsageError(`the server URL is not a valid URL (expected ${URL_SHAPE})`);
  }
  if (!SCHEMES.has(parsed.protocol)) {
    throw new DoctorUsageError(
      `the server URL must start with mysql:// or mariadb:// (got ${printable(parsed.protocol)}//)`,
    );
  }
  // WHATWG URLs keep IPv6 hosts in brackets; net.connect wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new DoctorUsageError(`the server URL has no host (expected ${URL_SHAPE})`);
  const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
  const user = decodePart(parsed.username, 'user name');
  if (user === '') throw new DoctorUsageError(`the server URL has no user name (expected ${URL_SHAPE})`);
  const password = parsed.password === '' ? undefined : decodePart(parsed.password, 'password');
  const path = decodePart(parsed.pathname.replace(/^\//, ''), 'database name');
  if (path.includes('/')) {
    throw new DoctorUsageError(`the server URL's path must be one database name (expected ${URL_SHAPE})`);
  }
  let ssl = false;
  for (const [name, value] of parsed.searchParams) {
    if (name !== 'ssl') {
      throw new DoctorUsageError(
        `the server URL has an unsupported parameter "${printable(name)}" (only ?ssl=true is understood)`,
      );
    }
    const flag = BOOLEAN_WORDS[value.toLowerCase()];
    if (flag === undefined) throw new DoctorUsageError('?ssl= must be true or false');
    ssl = flag;
  }
  const database = path === '' ? undefined : path;
  const redacted =
    `${parsed.protocol}//${encodeURIComponent(user)}${password === undefined ? '' : ':***'}@` +
    `${host.includes(':') ? `[${host}]` : host}:${port}` +
    `/${database === undefined ? '' : encodeURIComponent(database)}${ssl ? '?ssl=true' : ''}`;
  return { host, port, user, password, database, ssl, redacted };
}

function decodePart(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new DoctorUsageError(`the server URL's ${what} has an invalid %-escape`);
  }
}

/** Names from the URL shown in messages: short, printable ASCII only. */
function printable(text: string): string {
  const safe = text.replace(/[^\x20-\x7e]/g, '?');
  return safe.length > 24 ? `${safe.slice(0, 24)}…` : safe;
}
