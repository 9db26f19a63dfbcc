/**
 * The stable `code` of every goneaway error. Guards compare these strings (not `instanceof`), so two
 * copies of the package in one process still recognise each other's errors.
 */
export const GONEAWAY_CODES = Object.freeze({
  CONNECTION_LOST: 'GONEAWAY_CONNECTION_LOST',
  TRANSACTION_LOST: 'GONEAWAY_TRANSACTION_LOST',
  COMMIT_UNKNOWN: 'GONEAWAY_COMMIT_UNKNOWN',
  PACKET_TOO_LARGE: 'GONEAWAY_PACKET_TOO_LARGE',
  UNAVAILABLE: 'GONEAWAY_UNAVAILABLE',
  CONFIG: 'GONEAWAY_CONFIG',
} as const);

export type GoneAwayCode = (typeof GONEAWAY_CODES)[keyof typeof GONEAWAY_CODES];

const ALL_CODES: ReadonlySet<string> = new Set(Object.values(GONEAWAY_CODES));

export function isGoneAwayCode(value: unknown): value is GoneAwayCode {
  return typeof value === 'string' && ALL_CODES.has(value);
}
