/**
 * A gcomm duration from `wsrep_provider_options` (`PT5S`, `PT1M30S`, `PT0.5S`, `P1D`: ISO 8601, as
 * Galera prints them) → ms; null for anything else.
 */
export function parseGaleraDuration(text: string): number | null {
  const match =
    /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      text.trim(),
    );
  if (match === null || match.slice(1).every((part) => part === undefined)) return null;
  const [days, hours, minutes, seconds] = match
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  return Math.round(((((days ?? 0) * 24 + (hours ?? 0)) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0)) * 1000);
}

/** One option's value from `wsrep_provider_options` (`a = 1; evs.suspect_timeout = PT5S; …`). */
export function providerOption(options: string, name: string): string | null {
  for (const part of options.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
