/**
 * SRS as the configuration sets it: which senders are rewritten, which
 * recipients are SRS addresses of ours.
 *
 * DESCRIPTION
 *   `srs_domain` empty turns SRS off. Otherwise:
 *
 *   forwardedSender
 *     The sender a forwarded message leaves with: the null sender is
 *     never rewritten; a sender whose domain is in `srs_exclude_domains`
 *     (`example.com` that domain, `.example.com` its subdomains, as
 *     postsrsd's SRS_EXCLUDE_DOMAINS) is kept; any other gets its SRS
 *     form (`srs_address.ts`), signed with the first secret.
 *
 *   srsRecipient
 *     An address of `srs_domain` with an SRS tag is reversed with every
 *     secret: valid (the address it stands for) or invalid (refused at
 *     RCPT, so no bounce goes to a forged address). Anything else is
 *     `not-srs`.
 *
 *   isSrsRecipient
 *     The same question without secrets or clock, for smtpd's pure
 *     session: an address of `srs_domain` with an SRS tag, to be verified.
 *
 *   The secrets are read once per configuration (a reload reads them
 *   again); `srsProblems` is the start-up and reload check.
 *
 *   Used by smtpd, the queue's resubmission, the start-up checks and
 *   `mailsrv check`. Reads the secret file.
 */
import type { Config } from "../config/types.ts";
import { isDomainName } from "../config/values.ts";
import {
  hasSrsTag,
  srsForward,
  type SrsReversal,
  srsReverse,
} from "./srs_address.ts";
import { readSrsSecrets, SrsSecretError } from "./srs_secrets.ts";

/** The configuration SRS reads. */
export type SrsConfig = Pick<
  Config,
  "srs_domain" | "srs_secret_file" | "srs_exclude_domains"
>;

const secretsCache = new WeakMap<SrsConfig, readonly string[]>();

/** The domain of an address (after its last `@`), lower case; "" if none. */
function domainPart(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? "" : address.slice(at + 1).toLowerCase().replace(/\.$/, "");
}

/** `srs_domain` folded, or "" when SRS is off. */
function srsDomain(config: Pick<SrsConfig, "srs_domain">): string {
  return config.srs_domain.trim().toLowerCase().replace(/\.$/, "");
}

/**
 * The secrets of `config`, read once per configuration object.
 * @throws SrsSecretError when the file cannot be used
 */
export function srsSecrets(config: SrsConfig): readonly string[] {
  let secrets = secretsCache.get(config);
  if (secrets === undefined) {
    if (config.srs_secret_file === "") {
      throw new SrsSecretError(
        "srs_domain is set but srs_secret_file is empty",
      );
    }
    secrets = Object.freeze(readSrsSecrets(config.srs_secret_file));
    secretsCache.set(config, secrets);
  }
  return secrets;
}

/** Why SRS cannot work with `config`: one sentence each; none when off. */
export function srsProblems(config: SrsConfig): string[] {
  const domain = srsDomain(config);
  if (domain === "") return [];
  const problems: string[] = [];
  if (!isDomainName(domain)) {
    problems.push(`srs_domain "${config.srs_domain}" is not a domain name`);
  }
  try {
    srsSecrets(config);
  } catch (e) {
    if (!(e instanceof SrsSecretError)) throw e;
    problems.push(e.message);
  }
  return problems;
}

/** Whether `domain` is excluded by `excludes` (postsrsd's semantics). */
export function isExcludedDomain(
  domain: string,
  excludes: readonly string[],
): boolean {
  const folded = domain.toLowerCase();
  return excludes.some((item) => {
    const exclude = item.toLowerCase();
    return exclude.startsWith(".")
      ? folded.length > exclude.length && folded.endsWith(exclude)
      : folded === exclude;
  });
}

/**
 * The sender forwarded mail leaves with (see the module comment).
 * @throws SrsSecretError when the secret file cannot be used
 */
export function forwardedSender(
  sender: string,
  config: SrsConfig,
  nowMs: number,
): string {
  const domain = srsDomain(config);
  if (domain === "" || sender === "") return sender;
  if (isExcludedDomain(domainPart(sender), config.srs_exclude_domains)) {
    return sender;
  }
  return srsForward(sender, domain, srsSecrets(config), nowMs);
}

/** True for an SRS-tagged address of `srs_domain` (no secrets needed). */
export function isSrsRecipient(
  address: string,
  config: Pick<SrsConfig, "srs_domain">,
): boolean {
  const domain = srsDomain(config);
  return domain !== "" && domainPart(address) === domain &&
    hasSrsTag(address);
}

/**
 * What a recipient address is to SRS (see the module comment).
 * @throws SrsSecretError when the secret file cannot be used
 */
export function srsRecipient(
  address: string,
  config: SrsConfig,
  nowMs: number,
): SrsReversal {
  if (!isSrsRecipient(address, config)) return { kind: "not-srs" };
  return srsReverse(address, srsSecrets(config), nowMs);
}
