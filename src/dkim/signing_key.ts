/**
 * DKIM private keys: read from their files, checked, and described.
 *
 * DESCRIPTION
 *   A `[[dkim]]` table names a PEM private key file. `readSigningKey`
 *   opens it as the signer will and refuses what would sign badly or
 *   leak: a file other users can read (the key is the domain's identity),
 *   a key that is not RSA or Ed25519, an RSA key under 1024 bits (RFC
 *   8301 section 3.2: verifiers must not accept them). Each refusal is one
 *   sentence naming the file.
 *
 *   `publicKeyRecord` gives the TXT record to publish at
 *   `SELECTOR._domainkey.DOMAIN`: `v=DKIM1; k=rsa; p=` with the
 *   SubjectPublicKeyInfo (RFC 6376 section 3.6.1), or `k=ed25519; p=` with
 *   the raw 32-byte key (RFC 8463 section 4.2).
 *
 *   Used by the start-up checks, `mailsrv check`, `mailsrv dkim keygen`
 *   and the signer. Needs --allow-read on the key files.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readPrivateFile } from "../common/private_file.ts";

/** A key ready to sign with. */
export interface SigningKey {
  /** `rsa` or `ed25519`. */
  readonly type: "rsa" | "ed25519";
  /** The PEM text, as mailauth takes it. */
  readonly pem: string;
  readonly key: KeyObject;
}

/** Why a key file cannot be used; the message names the file. */
export class SigningKeyError extends Error {
  /** @param message one sentence naming the file */
  constructor(message: string) {
    super(message);
    this.name = "SigningKeyError";
  }
}

/** RFC 8301 section 3.2: shorter RSA keys are not to be accepted. */
export const MIN_RSA_BITS = 1024;

/**
 * Reads and checks the private key at `path`.
 * @throws SigningKeyError naming the file and the problem
 */
export function readSigningKey(path: string): SigningKey {
  const file = readPrivateFile(path, "DKIM key file");
  if ("problem" in file) throw new SigningKeyError(file.problem);
  const pem = file.text;
  return parseSigningKey(pem, path);
}

/**
 * Parses a PEM private key.
 * @param path the file, for messages
 * @throws SigningKeyError when it is no usable DKIM key
 */
export function parseSigningKey(pem: string, path: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError(
      `DKIM key file "${path}" holds no PEM private key`,
    );
  }
  const type = key.asymmetricKeyType;
  if (type !== "rsa" && type !== "ed25519") {
    throw new SigningKeyError(
      `DKIM key file "${path}" holds a ${type} key; DKIM signs with rsa or ed25519`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (type === "rsa" && bits < MIN_RSA_BITS) {
    throw new SigningKeyError(
      `DKIM key file "${path}" holds a ${bits}-bit RSA key; verifiers refuse keys under ${MIN_RSA_BITS} bits`,
    );
  }
  return { type, pem, key };
}

/** The DKIM TXT record of `key`'s public half (without quoting). */
export function publicKeyRecord(key: SigningKey): string {
  const publicKey = createPublicKey(key.key);
  const der = publicKey.export({ type: "spki", format: "der" });
  // An Ed25519 SPKI is a 12-byte prefix and the 32-byte raw key.
  const bytes = key.type === "ed25519" ? der.subarray(der.length - 32) : der;
  return `v=DKIM1; k=${key.type}; p=${bytes.toString("base64")}`;
}

/** The `[[dkim]]` tables' keys as the signer uses them. */
export interface DkimKeyTable {
  readonly domain: string;
  readonly selector: string;
  readonly privateKeyFile: string;
}

/**
 * Reads every key of `tables`; the problems, one sentence each, naming
 * the table (`selector._domainkey.domain`) and the file.
 */
export function dkimKeyProblems(tables: readonly DkimKeyTable[]): string[] {
  const problems: string[] = [];
  for (const t of tables) {
    try {
      readSigningKey(t.privateKeyFile);
    } catch (e) {
      if (!(e instanceof SigningKeyError)) throw e;
      problems.push(`dkim ${t.selector}._domainkey.${t.domain}: ${e.message}`);
    }
  }
  return problems;
}
