/**
 * The passwords an adapter connects with, and what takes them (and other credentials) out of a
 * driver's message before goneaway quotes it. Adapters `add` each password they hand to the driver;
 * the retry engine quotes the last connect error through `redact` in DatabaseUnavailableError.
 */
export class SecretRedactor {
  readonly #secrets = new Set<string>();

  /** Remembers `secret` (a password, or anything else that must never be quoted); ignores non-strings and ''. */
  add(secret: unknown): void {
    if (typeof secret === 'string' && secret.length > 0) this.#secrets.add(secret);
  }

  get secrets(): ReadonlySet<string> {
    return this.#secrets;
  }

  /** `text` as redactDriverMessage makes it, with the remembered secrets. */
  redact(text: string, maxLength?: number): string {
    return redactDriverMessage(text, this.#secrets, maxLength);
  }
}

/** How much of a driver's message goneaway quotes in its own. */
export const DRIVER_MESSAGE_MAX_LENGTH = 200;

const WITHHELD = '[driver message withheld: it contained a credential]';
/** Three placeholders with no character in common: a secret cannot be inside all of them. */
const PLACEHOLDERS = ['***', '###', '~~~'] as const;

/** `scheme://user:password@` (any scheme: mysql, mariadb, http proxies…): the password goes. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#@]*@/gi;
/**
 * `password=…`, `pwd: …`, `"password":"…"` as connection strings, option dumps and JSON show them.
 * Not mysql2's "(using password: YES)", which says only whether one was sent.
 */
const KEY_VALUE_PASSWORD =
  /(["']?\b(?:password|passwd|pwd)\d?["']?\s*[=:]\s*)(?!(?:YES|NO)\b)("[^"]*"|'[^']*'|[^\s,;&)}]+)/gi;

function removeSecret(text: string, secret: string): string {
  if (!text.includes(secret)) return text;
  const placeholder = PLACEHOLDERS.find((candidate) => !candidate.includes(secret)) ?? '';
  let result = text;
  // Each pass removes every occurrence; a later pass catches one that the replacement joined up.
  for (let pass = 0; pass < 4 && result.includes(secret); pass++)
    result = result.split(secret).join(placeholder);
  return result;
}

function removeSecrets(text: string, secrets: Iterable<string>): string {
  let result = text.replace(URL_CREDENTIALS, '$1:***@').replace(KEY_VALUE_PASSWORD, '$1***');
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    result = removeSecret(result, secret);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) result = removeSecret(result, encoded);
  }
  return result;
}

/**
 * A driver's own message, fit to quote in goneaway's: credentials in URLs (`scheme://user:***@`),
 * `password=…` pairs and every given secret (as is and URL-encoded) replaced, on one line, at most
 * `maxLength` characters (an ellipsis marks a cut). If a secret could still be found in the result,
 * the whole message is withheld.
 */
export function redactDriverMessage(
  message: string,
  secrets: Iterable<string> = [],
  maxLength: number = DRIVER_MESSAGE_MAX_LENGTH,
): string {
  const list = [...secrets].filter((secret) => secret.length > 0);
  // Redacted before and after whitespace is collapsed: a secret with a run of spaces in it, or one
  // that collapsing would form, is caught either way.
  let text = removeSecrets(message, list).replace(/\s+/g, ' ').trim();
  text = removeSecrets(text, list);
  if (text.length > maxLength) text = `${text.slice(0, Math.max(0, maxLength - 1)).trimEnd()}…`;
  if (!list.some((secret) => text.includes(secret))) return text;
  return list.some((secret) => WITHHELD.includes(secret)) ? '' : WITHHELD;
}
