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

const MAX_WRAPPER_DEPTH = 8;

/**
 * The value and the errors it wraps, one after another along `cause` (else `originalError`, else
 * `original`): at most 8 objects, ending early at a primitive or a cycle. What a library's wrapper
 * (Drizzle's DrizzleQueryError, Sequelize's DatabaseError and ConnectionError, a user's own) hides of
 * the driver's or goneaway's error.
 */
export function* causeChain(value: unknown): Generator<object> {
  const seen = new Set<unknown>();
  let node = value;
  for (let depth = 0; depth < MAX_WRAPPER_DEPTH && typeof node === 'object' && node !== null; depth++) {
    if (seen.has(node)) return;
    seen.add(node);
    yield node;
    node =
      readProperty(node, 'cause') ?? readProperty(node, 'originalError') ?? readProperty(node, 'original');
  }
}
