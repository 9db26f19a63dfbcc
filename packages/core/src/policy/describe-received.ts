/**
 * A short description of a value a user passed, for error messages. Options objects are sometimes
 * built from a connection config or the environment, so a string may be a password or a URL with
 * credentials: strings are described by shape and length, never echoed. Numbers and booleans are
 * echoed because they are what the user needs to see (`got -5`) and cannot hold a secret that a
 * number-typed option would carry. Never throws, whatever the value (getters, proxies, null
 * prototypes): a config error must not turn into a different error while being described.
 */
export function describeReceived(value: unknown): string {
  try {
    switch (typeof value) {
      case 'number':
        return Object.is(value, -0) ? '-0' : String(value);
      case 'boolean':
        return String(value);
      case 'undefined':
        return 'undefined';
      case 'bigint':
        return 'a bigint (use a number)';
      case 'symbol':
        return 'a symbol';
      case 'function':
        return 'a function';
      case 'string':
        return describeString(value);
      default:
        if (value === null) return 'null';
        if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
        return 'an object';
    }
  } catch {
    return 'a value that cannot be inspected';
  }
}

function describeString(value: string): string {
  if (value.length === 0) return 'an empty string';
  if (/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value)) {
    return 'a string that holds a number (pass the number itself)';
  }
  return `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
}
