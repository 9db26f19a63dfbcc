/**
 * A short description of a value a user passed, for error messages: the one rule every goneaway
 * package describes what it was given by. Options objects are often built from a connection config or
 * the environment, so any string may be a password, a URL with `user:password@` in it or a connection
 * string with `password=`: a string is described by its shape and length, never echoed, unless it is
 * exactly one of `knownWords` (words the caller knows, such as the other database types a library
 * accepts: they come from goneaway's own source, so they can hold no secret). A URL or a connection
 * string is named as such, which tells the user what went where without showing it. Numbers and
 * booleans are echoed because they are what the user needs to see (`got -5`) and cannot hold a secret
 * that a number-typed option would carry. Never throws, whatever the value (getters, proxies, null
 * prototypes): a config error must not turn into a different error while being described.
 */
export function describeReceived(value: unknown, knownWords: readonly string[] = []): string {
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
        return knownWords.includes(value) ? `'${value}'` : describeString(value);
      default:
        if (value === null) return 'null';
        if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
        return 'an object';
    }
  } catch {
    return 'a value that cannot be inspected';
  }
}

// `scheme://`, as in mysql://app:secret@db/app.
const URL_LIKE = /^\s*[a-z][a-z0-9+.-]*:\/\//i;
// `user:password@host` without a scheme, or `password=` / `pwd=` in a key=value connection string.
const CREDENTIAL_LIKE = /[^\s/@:]+:[^\s/@]*@|\b(password|passwd|pwd)\s*=/i;

function describeString(value: string): string {
  if (value.length === 0) return 'an empty string';
  if (/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value)) {
    return 'a string that holds a number (pass the number itself)';
  }
  const length = `${value.length} character${value.length === 1 ? '' : 's'}`;
  if (URL_LIKE.test(value)) return `a URL of ${length} (not shown: it may hold a password)`;
  if (CREDENTIAL_LIKE.test(value)) {
    return `a connection string of ${length} (not shown: it may hold a password)`;
  }
  return `a string of ${length}`;
}
