/**
 * Colour only for a terminal: NO_COLOR (any non-empty value, no-color.org) always wins, FORCE_COLOR
 * (not "0") forces it, otherwise the stream must be a TTY. Unlike picocolors' own detection, a CI
 * variable alone does not turn colour on: logs stay plain.
 */
export function shouldUseColor(
  env: Readonly<Record<string, string | undefined>>,
  stream: { readonly isTTY?: boolean },
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}
