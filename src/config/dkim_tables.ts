/**
 * `[[dkim]]` tables: the domains whose outgoing mail mailsrv signs.
 *
 * DESCRIPTION
 *   Each table names a `domain`, a `selector` and a `private_key_file`
 *   (PEM, RSA or Ed25519, as `mailsrv dkim keygen` writes it):
 *
 *     [[dkim]]
 *     domain = "example.com"
 *     selector = "default"
 *     private_key_file = "/etc/mailsrv/dkim/example.com.default.key"
 *
 *   They stand in for OpenDKIM's KeyTable and SigningTable. A domain may
 *   have several tables (an RSA and an Ed25519 key, RFC 8463 section 1):
 *   its mail is signed with each. A relative key path is read from the
 *   configuration file's directory.
 *
 *   Used by the config loader. Pure: the key files are opened by the
 *   start-up checks and the signer (src/dkim/).
 */
import type { DkimKeyConfig } from "./types.ts";
import type { TomlTable, TomlValue } from "./toml.ts";
import type { KeyPlace } from "./toml_layout.ts";
import { didYouMean } from "./suggest.ts";
import { isDomainName } from "./values.ts";
import { tomlTypeName } from "./listeners.ts";

/** The keys a `[[dkim]]` table may hold. */
export const DKIM_KEYS: readonly string[] = Object.freeze([
  "domain",
  "selector",
  "private_key_file",
]);

/** Reports a problem at a key and does not return. */
export type DkimFailure = (reason: string, place: KeyPlace) => never;

function isTable(value: TomlValue): value is TomlTable {
  return typeof value === "object" && value !== null &&
    !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Reads the value of the `dkim` key: an array of tables.
 * @param resolvePath makes a key path absolute (the file's directory)
 */
export function readDkimTables(
  value: TomlValue,
  fail: DkimFailure,
  resolvePath: (path: string) => string,
): DkimKeyConfig[] {
  if (!Array.isArray(value) || !value.every(isTable)) {
    fail("expected [[dkim]] tables", { key: "dkim" });
  }
  const keys: DkimKeyConfig[] = [];
  const seen = new Set<string>();
  value.forEach((table, index) => {
    const at = (key: string): KeyPlace => ({
      key,
      table: { name: "dkim", index },
    });
    const text = (key: string): string => {
      const v = (table as TomlTable)[key];
      if (v === undefined) fail(`missing ${key}`, at(key));
      if (typeof v !== "string") {
        fail(`expected a string, not ${tomlTypeName(v)}`, at(key));
      }
      return v.trim();
    };
    for (const key of Object.keys(table as TomlTable)) {
      if (!DKIM_KEYS.includes(key)) {
        fail(`unknown dkim setting${didYouMean(key, DKIM_KEYS)}`, at(key));
      }
    }
    const domain = text("domain").replace(/\.$/, "").toLowerCase();
    if (!isDomainName(domain)) {
      fail(`"${domain}" is not a domain name`, at("domain"));
    }
    const selector = text("selector").toLowerCase();
    // RFC 6376 section 3.1: a selector is one or more DNS labels.
    if (!isDomainName(selector)) {
      fail(
        `"${selector}" is not a selector (DNS labels: letters, digits, hyphens, dots)`,
        at("selector"),
      );
    }
    const file = text("private_key_file");
    if (file === "") fail("empty private_key_file", at("private_key_file"));
    const name = `${selector}._domainkey.${domain}`;
    if (seen.has(name)) fail(`duplicate key for ${name}`, at("selector"));
    seen.add(name);
    keys.push(Object.freeze({
      domain,
      selector,
      privateKeyFile: resolvePath(file),
    }));
  });
  return keys;
}
