/**
 * New DKIM keys and what to publish for them (opendkim-genkey's job).
 *
 * DESCRIPTION
 *   `generateSigningKey` makes an RSA-2048 or Ed25519 key as PEM (PKCS#8);
 *   `dnsRecordLines` gives the zone-file line to publish for it at
 *   `SELECTOR._domainkey.DOMAIN`, split into strings of at most 255
 *   characters (RFC 1035 character-strings; an RSA-2048 key does not fit
 *   one); `dkimTable` gives the `[[dkim]]` table that uses the key.
 *
 *   Used by `mailsrv dkim keygen`. Pure but for the key generation.
 */
import { generateKeyPairSync } from "node:crypto";
import { parseSigningKey, publicKeyRecord } from "./signing_key.ts";

/** The key types `mailsrv dkim keygen` makes. */
export type KeyType = "rsa" | "ed25519";

/** RSA keys are made this long (RFC 8301 recommends at least 2048). */
export const RSA_BITS = 2048;

/** A new private key, PEM (PKCS#8). */
export function generateSigningKey(type: KeyType): string {
  const { privateKey } = type === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: RSA_BITS })
    : generateKeyPairSync("ed25519");
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/** The zone-file TXT line for `pem`'s public key. */
export function dnsRecordLines(
  domain: string,
  selector: string,
  pem: string,
): string {
  const record = publicKeyRecord(parseSigningKey(pem, "(new key)"));
  const strings: string[] = [];
  for (let i = 0; i < record.length; i += 255) {
    strings.push(`"${record.slice(i, i + 255)}"`);
  }
  const name = `${selector}._domainkey.${domain}.`;
  return strings.length === 1
    ? `${name} IN TXT ${strings[0]}\n`
    : `${name} IN TXT ( ${strings.join("\n\t")} )\n`;
}

/** The `[[dkim]]` table for a key file. */
export function dkimTable(
  domain: string,
  selector: string,
  keyFile: string,
): string {
  return `[[dkim]]\ndomain = ${JSON.stringify(domain)}\nselector = ${
    JSON.stringify(selector)
  }\nprivate_key_file = ${JSON.stringify(keyFile)}\n`;
}
