/**
 * Postfix's SMTP access policy delegation protocol: the request smtpd
 * sends and the reply it reads.
 *
 * DESCRIPTION
 *   A request is `name=value` lines ending with an empty line, with the
 *   attributes Postfix's smtpd sends (SMTPD_POLICY_README), in its order:
 *
 *     request=smtpd_access_policy   protocol_state=RCPT
 *     protocol_name=ESMTP           helo_name, queue_id, sender,
 *     recipient, recipient_count    client_address, client_name,
 *     reverse_client_name, instance sasl_method, sasl_username,
 *     sasl_sender, size, ccert_*,   encryption_protocol, _cipher,
 *     _keysize, etrn_domain, stress, client_port, policy_context,
 *     server_address, server_port, compatibility_level, mail_version
 *
 *   Values may not hold a newline; one is replaced by a space, so a client
 *   cannot add attributes of its own. The reply is `action=…` followed by
 *   an empty line (other attributes are ignored); `parsePolicyReply`
 *   feeds it bytes as they arrive and says when it is complete.
 *
 *   Used by smtpd's policy client (src/smtp/policy_client.ts) and the
 *   tests' policy servers. Pure.
 */
import type { RestrictionRequest } from "./restrictions/types.ts";

/** What a request carries besides the restriction request. */
export interface PolicyRequestExtras {
  /** A value unique per message (Postfix: the instance). */
  readonly instance: string;
  /** SASL method, when the client authenticated. */
  readonly saslMethod?: string;
  readonly clientPort?: number;
  readonly serverAddress?: string;
  readonly serverPort?: number;
  readonly tlsProtocol?: string;
  readonly tlsCipher?: string;
  readonly tlsKeySize?: number;
  /** mailsrv's version, for mail_version. */
  readonly mailVersion: string;
}

const STATE: Readonly<Record<RestrictionRequest["stage"], string>> = {
  connect: "CONNECT",
  helo: "HELO",
  mail: "MAIL",
  rcpt: "RCPT",
  data: "DATA",
  "end-of-data": "END-OF-MESSAGE",
};

/** The attributes of one request, in Postfix's order. */
export function policyAttributes(
  r: RestrictionRequest,
  extras: PolicyRequestExtras,
): Array<[string, string]> {
  const text = (n: number | undefined) => n === undefined ? "" : String(n);
  return [
    ["request", "smtpd_access_policy"],
    ["protocol_state", STATE[r.stage]],
    ["protocol_name", r.protocol],
    ["helo_name", r.helo ?? ""],
    ["queue_id", r.queueId ?? ""],
    ["sender", r.sender ?? ""],
    ["recipient", r.recipient ?? ""],
    ["recipient_count", String(r.recipientCount)],
    ["client_address", r.clientAddress],
    ["client_name", r.clientName],
    ["reverse_client_name", r.reverseClientName],
    ["instance", extras.instance],
    [
      "sasl_method",
      r.authenticatedUser === null ? "" : extras.saslMethod ?? "",
    ],
    ["sasl_username", r.authenticatedUser ?? ""],
    ["sasl_sender", ""],
    ["size", String(r.size)],
    ["ccert_subject", ""],
    ["ccert_issuer", ""],
    ["ccert_fingerprint", ""],
    ["ccert_pubkey_fingerprint", ""],
    ["encryption_protocol", extras.tlsProtocol ?? ""],
    ["encryption_cipher", extras.tlsCipher ?? ""],
    ["encryption_keysize", text(extras.tlsKeySize ?? 0)],
    ["etrn_domain", ""],
    ["stress", ""],
    ["client_port", text(extras.clientPort)],
    ["policy_context", ""],
    ["server_address", extras.serverAddress ?? ""],
    ["server_port", text(extras.serverPort)],
    ["compatibility_level", "3.6"],
    ["mail_version", extras.mailVersion],
  ];
}

/** The request as sent: `name=value` lines and the empty line. */
export function encodePolicyRequest(
  r: RestrictionRequest,
  extras: PolicyRequestExtras,
): string {
  return policyAttributes(r, extras).map(([name, value]) =>
    `${name}=${value.replace(/[\r\n]/g, " ")}\n`
  ).join("") + "\n";
}

/** A request as a server reads it (tests' servers, diagnostics). */
export function decodePolicyRequest(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") break;
    const equals = line.indexOf("=");
    if (equals > 0) {
      attributes.set(line.slice(0, equals), line.slice(equals + 1));
    }
  }
  return attributes;
}

/** A complete reply: its action, or null when there was none. */
export interface PolicyReply {
  readonly action: string | null;
}

/**
 * Parses what a server sent so far: the reply once it ended with an
 * empty line, else undefined (read more).
 */
export function parsePolicyReply(text: string): PolicyReply | undefined {
  const normalized = text.replace(/\r\n/g, "\n");
  const end = normalized.startsWith("\n") ? 0 : normalized.indexOf("\n\n");
  if (end === -1) return undefined;
  const attributes = decodePolicyRequest(normalized.slice(0, end + 1));
  // A bare CR or a NUL would reach the SMTP reply made from the action.
  // deno-lint-ignore no-control-regex
  const action = attributes.get("action")?.replace(/[\x00-\x1f\x7f]/g, " ")
    .trim();
  return { action: action === undefined || action === "" ? null : action };
}
