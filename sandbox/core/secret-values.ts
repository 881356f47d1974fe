/** Field names whose values are secrets: passwords, AUTH tokens, secret keys, session tokens, secret strings. */
const SECRET_FIELD = /(Password|AuthToken|SecretAccessKey|SessionToken|SecretString|SecretKey)$/i;

/** The shortest value worth looking for in output: shorter ones are words a test chose, and match by chance. */
const MIN_LENGTH = 12;

/**
 * Collects the secret values in a request's input or an answer's output (nested objects included); a secret
 * string that is JSON adds the secret fields inside it (e.g. a clone secret's `password`).
 */
export function secretValues(value: unknown, into: Set<string>, key = ''): void {
  if (typeof value === 'string') {
    if (!SECRET_FIELD.test(key) && key !== 'password') return;
    if (value.length >= MIN_LENGTH) into.add(value);
    if (/SecretString$/i.test(key)) {
      try {
        secretValues(JSON.parse(value) as unknown, into);
      } catch {
        // Not JSON: the string itself is the secret.
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) secretValues(v, into, key);
  } else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) secretValues(v, into, k);
  }
}
