/**
 * A shallow copy that keeps what a spread drops: non-enumerable own properties (knex keeps
 * `connection.password` non-enumerable, lib/util/security.js setHiddenProperty, and its copies of a
 * config carry it that way), accessors (a password getter stays a getter, read when connecting) and
 * the prototype. `overrides` replace their keys as plain enumerable properties (also on a frozen source).
 */
export function copyOwnProperties<T extends object>(source: T, overrides: Record<string, unknown> = {}): T {
  const descriptors: PropertyDescriptorMap = Object.getOwnPropertyDescriptors(source);
  for (const [key, value] of Object.entries(overrides)) {
    descriptors[key] = { value, enumerable: true, writable: true, configurable: true };
  }
  return Object.create(Object.getPrototypeOf(source) as object | null, descriptors) as T;
}
