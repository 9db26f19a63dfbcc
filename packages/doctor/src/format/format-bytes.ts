const UNITS = ['KiB', 'MiB', 'GiB'] as const;

/** `1 MiB`, `511.87 KiB`, `900 bytes`: binary units, as max_allowed_packet is configured. */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 1024) return `${bytes} bytes`;
  let value = bytes;
  let unit: string = UNITS[0];
  for (const candidate of UNITS) {
    value /= 1024;
    unit = candidate;
    if (Math.abs(value) < 1024) break;
  }
  return `${value.toFixed(2).replace(/\.?0+$/, '')} ${unit}`;
}

/** `1,048,574`: exact counts stay readable. */
export function groupDigits(value: number): string {
  return value.toLocaleString('en-US');
}
