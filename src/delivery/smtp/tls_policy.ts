/**
 * The SMTP client's TLS policy: `smtp_tls_security_level` as Postfix
 * reads it, and the log line for an established connection.
 *
 * DESCRIPTION
 *   none     never STARTTLS
 *   may      STARTTLS when offered, any certificate (opportunistic); a
 *            failed handshake is retried in plaintext
 *   encrypt  TLS required, any certificate
 *   verify   TLS required; the certificate must chain to a trusted CA and
 *            name the MX host (smtp_tls_verify_cert_match = hostname)
 *   secure   TLS required; the certificate must chain to a trusted CA and
 *            name the next-hop domain or a subdomain of it
 *            (smtp_tls_secure_cert_match = nexthop, dot-nexthop), so a
 *            forged MX record cannot redirect the mail
 *
 *   With `smtp_tls_wrappermode = yes` the connection is TLS from the
 *   first byte (port 465) at every level but none.
 *
 *   Pure. Used by the SMTP delivery agent.
 */
import type { PeerCertificate, TlsOutcome } from "./client_connection.ts";

/** smtp_tls_security_level. */
export type TlsLevel = "none" | "may" | "encrypt" | "verify" | "secure";

/** The levels, for the configuration check. */
export const TLS_LEVELS: readonly TlsLevel[] = [
  "none",
  "may",
  "encrypt",
  "verify",
  "secure",
];

/** Whether the level refuses to deliver without TLS. */
export function tlsRequired(level: TlsLevel): boolean {
  return level === "encrypt" || level === "verify" || level === "secure";
}

/** Whether the level checks the certificate. */
export function tlsVerifies(level: TlsLevel): boolean {
  return level === "verify" || level === "secure";
}

/** The DNS names a certificate holds (subjectAltName, else the CN). */
export function certificateNames(cert: PeerCertificate): string[] {
  const alt = (cert.subjectaltname ?? "").split(/,\s*/)
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4).toLowerCase());
  if (alt.length > 0) return alt;
  const cn = cert.subject?.CN;
  return (Array.isArray(cn) ? cn : cn ? [cn] : []).map((n) => n.toLowerCase());
}

/** Whether certificate name `pattern` (maybe `*.domain`) covers `name`. */
export function nameCovers(pattern: string, name: string): boolean {
  if (pattern.startsWith("*.")) {
    const rest = pattern.slice(1);
    const dot = name.indexOf(".");
    return dot > 0 && name.slice(dot) === rest;
  }
  return pattern === name;
}

/**
 * The certificate check of a level: which names must match.
 * @param mxHost the host connected to (verify)
 * @param nexthop the next-hop domain (secure)
 */
export function certificateCheck(
  level: TlsLevel,
  mxHost: string,
  nexthop: string,
): (cert: PeerCertificate) => Error | undefined {
  const host = mxHost.toLowerCase();
  const domain = nexthop.toLowerCase();
  return (cert) => {
    const names = certificateNames(cert);
    const ok = level === "secure"
      ? names.some((n) =>
        nameCovers(n, domain) || n.endsWith(`.${domain}`) && !n.startsWith("*")
      )
      : names.some((n) => nameCovers(n, host));
    if (ok) return undefined;
    const wanted = level === "secure" ? `${domain} or a subdomain` : host;
    return new Error(
      `server certificate names ${
        names.join(", ") || "nothing"
      }, not ${wanted}`,
    );
  };
}

/**
 * Postfix's log line for an established TLS connection, e.g.
 * `Untrusted TLS connection established to mx.example.com[192.0.2.1]:25:
 * TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)`.
 * @param verified the certificate matched the names the level checks
 */
export function tlsLogLine(
  outcome: TlsOutcome,
  peer: string,
  verified: boolean,
): string {
  const kind = verified
    ? "Verified"
    : outcome.trusted
    ? "Trusted"
    : Object.keys(outcome.certificate ?? {}).length === 0
    ? "Anonymous"
    : "Untrusted";
  const bits = outcome.bits ? ` (${outcome.bits}/${outcome.bits} bits)` : "";
  return `${kind} TLS connection established to ${peer}: ${outcome.protocol} with cipher ${outcome.cipher}${bits}`;
}
