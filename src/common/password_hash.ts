/**
 * Password hashes as crypt(3) and htpasswd write them.
 *
 * DESCRIPTION
 *   The POP3 server checks passwords against the hashes of vm-pop3d's
 *   per-domain passwd files, which administrators fill with `htpasswd`,
 *   `mkpasswd` or copies of /etc/shadow. A password verifies as glibc's
 *   crypt(3) (and Apache's apr_password_validate) would verify it:
 *
 *     13 characters of [./0-9A-Za-z]  traditional DES crypt (htpasswd -d)
 *     $1$salt$…                       MD5-crypt (mkpasswd -m md5crypt)
 *     $apr1$salt$…                    Apache MD5 (htpasswd -m)
 *     $5$[rounds=N$]salt$…            SHA-256-crypt
 *     $6$[rounds=N$]salt$…            SHA-512-crypt
 *     $2a$, $2b$, $2y$                bcrypt (htpasswd -B)
 *     {SHA}base64                     SHA-1 (htpasswd -s)
 *
 *   Passwords are hashed as their UTF-8 bytes, as a C program sees them.
 *   The hash is computed again from the password and the stored salt and
 *   the two are compared in constant time. A hash of any other shape
 *   (empty, `*`, `!locked`, `x`) matches no password.
 *
 *   `hashPassword` makes new hashes for the user-management commands:
 *   bcrypt, cost 10, with the `$2y$` prefix htpasswd -B writes.
 *
 *   Used by pop3d's authenticator and `mailsrv user`; a shared leaf, so
 *   neither imports the other.
 *
 * SECURITY
 *   Only the comparison is constant-time; the cost of a hash depends on
 *   its kind and rounds, which the administrator chose. Callers that must
 *   hide whether a user exists verify against `DUMMY_PASSWORD_HASH`.
 *
 *   This module does not read files or decide who may log in.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import apacheCrypt from "apache-crypt";
import apacheMd5Export from "apache-md5";
import bcrypt from "bcryptjs";
import { encrypt as shaCrypt } from "unixcrypt";

/** MD5-crypt/APR1 (a CommonJS function; its typings claim an ES default). */
const apacheMd5 = apacheMd5Export as unknown as (
  password: string,
  salt: string,
) => string;

/** The hash kinds `verifyPassword` knows. */
export type PasswordHashKind =
  | "des"
  | "md5"
  | "apr1"
  | "sha256"
  | "sha512"
  | "bcrypt"
  | "sha1";

/** bcrypt cost of new hashes (htpasswd -B's default is 5; 10 is safer). */
export const BCRYPT_COST = 10;

/**
 * A valid bcrypt hash (cost 10) of a random password nobody knows, for
 * spending the same work on an unknown user as on a known one.
 */
export const DUMMY_PASSWORD_HASH =
  "$2y$10$IcbACPp7QU7nF9pZtT3duuOkMxV24wEDdu1tk3D3VI5NqtmEN9tQC";

const DES = /^[./0-9A-Za-z]{13}$/;
const MD5 = /^\$1\$[^$]{0,8}\$[./0-9A-Za-z]{22}$/;
const APR1 = /^\$apr1\$[^$]{0,8}\$[./0-9A-Za-z]{22}$/;
const SHA_CRYPT = /^\$([56])\$(?:rounds=\d{1,9}\$)?[^$]{0,16}\$[./0-9A-Za-z]+$/;
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./0-9A-Za-z]{53}$/;
const SHA1 = /^\{SHA\}[A-Za-z0-9+/]{27}=$/;

/**
 * The kind of `hash`, or undefined when it is no hash this module can
 * verify (locked or disabled accounts included).
 */
export function passwordHashKind(hash: string): PasswordHashKind | undefined {
  if (DES.test(hash)) return "des";
  if (MD5.test(hash)) return "md5";
  if (APR1.test(hash)) return "apr1";
  const sha = SHA_CRYPT.exec(hash);
  if (sha) return sha[1] === "5" ? "sha256" : "sha512";
  const cost = BCRYPT.exec(hash);
  if (cost && Number(cost[1]) >= 4 && Number(cost[1]) <= 31) return "bcrypt";
  if (SHA1.test(hash)) return "sha1";
  return undefined;
}

/**
 * The UTF-8 bytes of `password` as a string of byte-valued characters:
 * the MD5 and DES libraries hash character codes as bytes.
 */
function byteString(password: string): string {
  let result = "";
  for (const byte of new TextEncoder().encode(password)) {
    result += String.fromCharCode(byte);
  }
  return result;
}

/** `password` hashed with the salt (and kind) of `hash`. */
async function rehash(
  password: string,
  hash: string,
  kind: PasswordHashKind,
): Promise<string> {
  switch (kind) {
    case "des":
      return apacheCrypt(byteString(password), hash.slice(0, 2));
    case "md5":
    case "apr1":
      return apacheMd5(byteString(password), hash);
    case "sha256":
    case "sha512":
      return shaCrypt(password, hash.slice(0, hash.lastIndexOf("$")));
    case "bcrypt":
      // The $2a$/$2b$/$2y$ variants hash alike for UTF-8 input.
      return hash.slice(0, 4) + (await bcrypt.hash(
        password,
        "$2b$" + hash.slice(4, 29),
      )).slice(4);
    case "sha1":
      return "{SHA}" + createHash("sha1").update(password).digest("base64");
  }
}

/** Constant-time equality of two strings (their length aside). */
function sameText(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/**
 * True when `password` matches `hash` (any kind `passwordHashKind` knows).
 * @param hash the second field of a passwd line
 */
export async function verifyPassword(
  password: string,
  hash: string,
): Promise<boolean> {
  const kind = passwordHashKind(hash);
  if (kind === undefined) return false;
  return sameText(await rehash(password, hash, kind), hash);
}

/**
 * Hashes `password` for a passwd file: bcrypt with cost `BCRYPT_COST` and
 * the `$2y$` prefix, as `htpasswd -B` writes it.
 */
export async function hashPassword(password: string): Promise<string> {
  const hash = await bcrypt.hash(password, BCRYPT_COST);
  return "$2y$" + hash.slice(4);
}
