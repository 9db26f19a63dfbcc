import type { ClusterHost } from './cluster-options.js';

export const DEFAULT_MYSQL_PORT = 3306;

export type HostAddressResult =
  | { readonly ok: true; readonly host: ClusterHost }
  | { readonly ok: false; readonly problem: string };

/**
 * `'db1:3307'`, `'db1'` (port 3306), `'[::1]:3307'` or `{ host, port? }` → `{ host, port }`. A problem
 * is described in words, never by echoing the text: a host list is sometimes built from the
 * environment and a mistaken entry may be a URL with credentials.
 */
export function parseHostAddress(input: unknown): HostAddressResult {
  if (typeof input === 'string') return parseHostString(input);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problem: "a 'host:port' string or a { host, port } object" };
  }
  const keys = Object.keys(input);
  const unknown = keys.filter((key) => key !== 'host' && key !== 'port');
  if (unknown.length > 0) {
    return { ok: false, problem: 'a { host, port } object with no other keys' };
  }
  const { host, port } = input as { host?: unknown; port?: unknown };
  if (typeof host !== 'string' || !validHostName(host)) {
    return { ok: false, problem: 'a { host, port } object whose host is a host name or IP address' };
  }
  if (port === undefined) return { ok: true, host: { host, port: DEFAULT_MYSQL_PORT } };
  if (!validPort(port)) return { ok: false, problem: 'a port that is an integer from 1 to 65535' };
  return { ok: true, host: { host, port } };
}

function parseHostString(text: string): HostAddressResult {
  if (text.length === 0) return { ok: false, problem: "a 'host:port' string, not an empty one" };
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { ok: false, problem: "an IPv6 address in brackets, '[::1]:3306'" };
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return { ok: false, problem: "'[address]:port'" };
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const parts = text.split(':');
    if (parts.length > 2) return { ok: false, problem: "'host:port' (an IPv6 address goes in brackets)" };
    host = parts[0] ?? '';
    portText = parts[1];
  }
  if (!validHostName(host)) return { ok: false, problem: "'host:port' with a host name or IP address" };
  if (portText === undefined) return { ok: true, host: { host, port: DEFAULT_MYSQL_PORT } };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!validPort(port)) return { ok: false, problem: 'a port that is an integer from 1 to 65535' };
  return { ok: true, host: { host, port } };
}

// Names, IPv4 and IPv6 (brackets removed): no spaces, slashes, '@', '?' or '#' (a URL pasted in by mistake).
function validHostName(host: string): boolean {
  return host.length > 0 && host.length <= 255 && /^[A-Za-z0-9._:%-]+$/.test(host);
}

function validPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65_535;
}
