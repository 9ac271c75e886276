/**
 * `mailsrv dkim keygen` — a DKIM key for a domain (opendkim-genkey).
 *
 * DESCRIPTION
 *   `mailsrv dkim keygen DOMAIN [--selector S] [--type rsa|ed25519]
 *   [--key-file PATH]` writes a new private key (mode 0600, never over
 *   an existing file; the directory is created mode 0700 when missing)
 *   and prints the `[[dkim]]` table to add to mailsrv.toml and the TXT
 *   record to publish. The default key file is
 *   `dkim/DOMAIN.SELECTOR.key` beside the configuration file (or under
 *   $MAILSRV_HOME for the embedded default).
 */
import { dirname, join, resolve } from "node:path";
import { type Command, EXIT, UsageError } from "./command.ts";
import { configFor } from "./daemon_client.ts";
import {
  dkimTable,
  dnsRecordLines,
  generateSigningKey,
  type KeyType,
} from "../dkim/keygen.ts";
import { isDomainName } from "../config/values.ts";

/** The `dkim` subcommand. */
export const dkimCommand: Command = {
  name: "dkim",
  summary: "make DKIM signing keys (keygen)",
  usage:
    "dkim keygen DOMAIN [--selector S] [--type rsa|ed25519] [--key-file PATH]",
  description:
    `keygen writes a new DKIM private key for DOMAIN (RSA-2048 by default, or
Ed25519 with --type ed25519) with mode 0600, refusing to overwrite a file,
and prints the [[dkim]] table to add to the configuration and the TXT record
to publish in DNS. The selector defaults to "default"; the key file to
dkim/DOMAIN.SELECTOR.key beside the configuration file. Publish the record
before adding the table: mail signed with a key receivers cannot find fails
DKIM.`,
  options: {
    selector: { type: "string", short: "s" },
    type: { type: "string", short: "t" },
    "key-file": { type: "string", short: "k" },
  },
  maxOperands: 2,
  async run(context) {
    const [action, given] = context.operands;
    if (action !== "keygen") {
      throw new UsageError(
        action === undefined
          ? "missing action (keygen)"
          : `unknown action "${action}" (keygen)`,
      );
    }
    if (given === undefined) throw new UsageError("missing DOMAIN");
    const domain = given.replace(/\.$/, "").toLowerCase();
    if (!isDomainName(domain)) {
      throw new UsageError(`"${given}" is not a domain name`);
    }
    const selector = String(context.values.selector ?? "default")
      .toLowerCase();
    if (!isDomainName(selector)) {
      throw new UsageError(`"${selector}" is not a selector (DNS labels)`);
    }
    const type = String(context.values.type ?? "rsa");
    if (type !== "rsa" && type !== "ed25519") {
      throw new UsageError(`--type must be rsa or ed25519, not "${type}"`);
    }
    const config = await configFor(context);
    const base = config.configFile === null
      ? config.homeDirectory
      : dirname(config.configFile);
    const keyFile = context.values["key-file"] === undefined
      ? join(base, "dkim", `${domain}.${selector}.key`)
      : resolve(String(context.values["key-file"]));
    const pem = generateSigningKey(type as KeyType);
    try {
      await Deno.mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
      await Deno.writeTextFile(keyFile, pem, { createNew: true, mode: 0o600 });
      // The umask may have taken bits away, never added: make it exact.
      await Deno.chmod(keyFile, 0o600);
    } catch (e) {
      const reason = e instanceof Deno.errors.AlreadyExists
        ? "exists already; choose another --selector or --key-file"
        : (e as Error).message.replace(/ \(os error \d+\).*$/s, "");
      context.warn(`mailsrv: fatal: ${keyFile}: ${reason}`);
      return EXIT.failure;
    }
    context.print(
      `# ${keyFile} written (mode 600).\n` +
        `# 1. Publish this record in the DNS zone of ${domain}:\n` +
        dnsRecordLines(domain, selector, pem) +
        `# 2. Then add this table to the configuration and reload:\n` +
        dkimTable(domain, selector, keyFile),
    );
    return EXIT.ok;
  },
};
