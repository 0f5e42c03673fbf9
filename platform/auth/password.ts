/**
 * Password hashing for API logins: Argon2id (`@node-rs/argon2`, prebuilt native binding)
 * with the library's defaults (m = 19 MiB, t = 2, p = 1: the OWASP 2023 minimum).
 *
 * {@link verifyPassword} spends the same work whether or not the account exists (a dummy
 * hash stands in), so response time does not reveal which usernames exist.
 */
import { hash, verify } from '@node-rs/argon2';

/** Longest password accepted (bytes of UTF-8); longer input is refused before hashing. */
export const MAX_PASSWORD_LENGTH = 256;
/** Shortest password accepted for new accounts. */
export const MIN_PASSWORD_LENGTH = 8;

let dummyHash: Promise<string> | undefined;

/** Hash `password` into a PHC string (`$argon2id$v=19$…`), ~50–100 ms of CPU. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/**
 * Check `password` against `phc` (a stored hash, or `null` when the account has none or
 * does not exist — a dummy hash is verified then, and the answer is `false`).
 */
export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  if (phc === null || !phc.startsWith('$argon2')) {
    dummyHash ??= hash('gaemi-dummy-password');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(phc, password);
  } catch {
    return false; // a malformed stored hash never authenticates
  }
}
