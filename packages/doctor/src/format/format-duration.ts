/**
 * A duration for people: `250 ms`, `4.75 s`, `2 min 30 s`, `7 h 59 min 30 s`, `never` for Infinity.
 * Sub-second precision is kept below a minute (short wait_timeouts are where it matters).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trimDecimals(ms / 1000, 2)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours} h`);
  if (minutes > 0) parts.push(`${minutes} min`);
  if (seconds > 0) parts.push(`${seconds} s`);
  return parts.join(' ');
}

/** Seconds as a server variable holds them (wait_timeout = 28800 → `28800 s (8 h)`). */
export function formatSeconds(seconds: number): string {
  const plain = `${trimDecimals(seconds, 3)} s`;
  return seconds >= 120 ? `${plain} (${formatDuration(seconds * 1000)})` : plain;
}

function trimDecimals(value: number, digits: number): string {
  return value.toFixed(digits).replace(/\.?0+$/, '');
}
