/**
 * Reads one property of an untrusted value without ever throwing: errors come from drivers, wrappers
 * and user code, and may be primitives, Proxies or objects with throwing getters.
 */
export function readProperty(value: unknown, key: string | symbol): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  try {
    return (value as Record<string | symbol, unknown>)[key];
  } catch {
    return undefined;
  }
}
