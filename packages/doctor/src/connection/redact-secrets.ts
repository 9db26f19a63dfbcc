/**
 * Removes `secret` (as typed and as it appears %-encoded in a URL) from a text that came from
 * elsewhere (a driver error message): goneaway never prints a password, whatever the driver does.
 */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return text;
  let scrubbed = text;
  for (const form of new Set([secret, encodeURIComponent(secret)]))
    scrubbed = scrubbed.split(form).join('***');
  return scrubbed;
}

/**
 * Masks the password of any `scheme://user:password@` in a text. Argument errors quote what was typed,
 * and a URL typed in the wrong place (`--pool-max mysql://u:pw@h`) must not come back with its password.
 */
export function redactUrlPasswords(text: string): string {
  // Greedy up to the last `@` of the token: a password with a raw `@` in it is masked whole.
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:)[^\s'"]*@/gi, '$1***@');
}
