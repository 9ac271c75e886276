/**
 * smtpd STARTTLS: the command, the TLS requirement, and what a new TLS
 * session changes.
 *
 * DESCRIPTION
 *   `starttls` answers `220 2.0.0 Ready to start TLS` and asks the adapter
 *   for the handshake (action `start-tls`); the adapter sends the reply,
 *   discards any input the client sent after the command, and answers
 *   with `tls-started` or `tls-failed`. STARTTLS is offered when a
 *   certificate is loaded and `smtpd_tls_security_level` is not `none`.
 *
 *   `tlsStarted` resets the session as RFC 3207 section 4.2 requires: the
 *   client's HELO/EHLO and any transaction are forgotten, so it must say
 *   EHLO again; the log gets Postfix's `Anonymous TLS connection
 *   established from host[addr]: TLSv1.3 with cipher … (256/256 bits)`.
 *   A failed handshake ends the session (nothing can be said in clear).
 *
 *   `tlsRequired` is `smtpd_tls_security_level = encrypt`: before TLS,
 *   every command but EHLO, HELO, STARTTLS, NOOP, RSET and QUIT gets
 *   `530 5.7.0 Must issue a STARTTLS command first`.
 *
 *   Used by the session and its command table. Pure.
 *
 * STANDARDS
 *   RFC 3207 (STARTTLS), sections 4 (the command, 454 and 501 replies),
 *   4.2 (the reset after the handshake) and 5 (pipelined input after
 *   STARTTLS is discarded: the CVE-2011-0411 command injection).
 *
 * SECURITY
 *   The discard of pipelined plaintext is the adapter's (it holds the
 *   input); the session never sees those bytes.
 */
import { type Reply, reply } from "./replies.ts";
import { answer, clientLabel, closeSession, logLine } from "./transitions.ts";
import type {
  SessionPolicy,
  SmtpSession,
  TlsInfo,
  Transition,
} from "./session_types.ts";

/** Verbs allowed before TLS under `smtpd_tls_security_level = encrypt`. */
const ALLOWED_BEFORE_TLS = new Set([
  "EHLO",
  "HELO",
  "STARTTLS",
  "NOOP",
  "RSET",
  "QUIT",
]);

/** Whether STARTTLS is offered in EHLO (and accepted). */
export function offersStartTls(
  s: SmtpSession,
  policy: SessionPolicy,
): boolean {
  return s.tls === null && s.tlsAvailable &&
    policy.smtpd_tls_security_level !== "none";
}

/** The 530 refusal of `verb` before TLS under `encrypt`, or null. */
export function tlsRequired(
  s: SmtpSession,
  verb: string,
  policy: SessionPolicy,
): Reply | null {
  if (s.tls !== null || policy.smtpd_tls_security_level !== "encrypt") {
    return null;
  }
  return ALLOWED_BEFORE_TLS.has(verb)
    ? null
    : reply(530, "5.7.0", "Must issue a STARTTLS command first");
}

/** The STARTTLS command. */
export function starttls(
  s: SmtpSession,
  argument: string,
  policy: SessionPolicy,
): Transition {
  if (argument !== "") {
    return answer(s, "starttls", reply(501, "5.5.4", "Syntax: STARTTLS"));
  }
  if (s.tls !== null) {
    return answer(
      s,
      "starttls",
      reply(554, "5.5.1", "Error: TLS already active"),
    );
  }
  if (!offersStartTls(s, policy)) {
    return answer(
      s,
      "starttls",
      reply(502, "5.5.1", "Error: command not implemented"),
    );
  }
  if (s.transaction !== null) {
    return answer(
      s,
      "starttls",
      reply(503, "5.5.1", "Error: MAIL transaction in progress"),
    );
  }
  const ready = answer(
    s,
    "starttls",
    reply(220, "2.0.0", "Ready to start TLS"),
  );
  return {
    session: { ...ready.session, phase: "starting-tls" },
    actions: [...ready.actions, { type: "start-tls" }],
  };
}

/** `TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)`, as Postfix writes it. */
export function describeTls(tls: TlsInfo): string {
  const bits = tls.bits === undefined ? "" : ` (${tls.bits}/${tls.bits} bits)`;
  return `${tls.protocol} with cipher ${tls.cipher}${bits}`;
}

/** The handshake succeeded: RFC 3207 section 4.2's reset. */
export function tlsStarted(s: SmtpSession, tls: TlsInfo): Transition {
  const session: SmtpSession = {
    ...s,
    phase: "command",
    tls,
    helo: null,
    protocol: "SMTP",
    transaction: null,
    authenticatedUser: null,
    saslMethod: null,
    sasl: null,
  };
  return {
    session,
    actions: [
      logLine(
        `Anonymous TLS connection established from ${clientLabel(s)}: ${
          describeTls(tls)
        }`,
      ),
    ],
  };
}

/** The handshake failed: the connection cannot go on. */
export function tlsFailed(s: SmtpSession, reason: string): Transition {
  return closeSession(s, [
    logLine(`SSL_accept error from ${clientLabel(s)}: ${reason}`),
    logLine(`lost connection after STARTTLS from ${clientLabel(s)}`),
  ]);
}
