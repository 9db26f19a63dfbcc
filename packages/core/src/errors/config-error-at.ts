import { GoneAwayConfigError } from './goneaway-config-error.js';

/**
 * The GoneAwayConfigError of one bad option: where it is, what it accepts, what was given. `received`
 * is a description (describeReceived's, or a fixed phrase), never the raw value.
 */
export function configErrorAt(path: string, expected: string, received: string): GoneAwayConfigError {
  return new GoneAwayConfigError({ issues: [{ path, expected, received }] });
}
