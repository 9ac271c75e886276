/**
 * smtpd AUTH: the SASL PLAIN and LOGIN exchanges.
 *
 * DESCRIPTION
 *   `auth` starts an exchange (RFC 4954): `AUTH PLAIN [initial-response]`
 *   or `AUTH LOGIN [initial-response]`; each missing part is asked for
 *   with a 334 challenge, and the client's next line (phase
 *   `sasl-response`) is read by `saslResponse`, `*` aborting. With the
 *   user name and password, the session asks the adapter to check them
 *   (action `authenticate`, phase `authenticating`); `authResult` answers
 *   `235 2.7.0 Authentication successful`, or `535 5.7.8 Error:
 *   authentication failed: authentication failure` after a pause
 *   (`smtpd_sasl_failed_auth_delay`, lengthened per client by the
 *   adapter), or `454 4.7.0 Temporary authentication failure`. After
 *   `smtpd_sasl_max_failed_auths` failures the session is closed with
 *   421 4.7.0.
 *
 *   AUTH is offered (`offersAuth`) when `smtpd_sasl_auth_enable` is set
 *   and, with `smtpd_tls_auth_only`, only under TLS or to a loopback
 *   client: a password never crosses the network in clear text.
 *
 *   Used by the session and its command table. Pure.
 *
 * STANDARDS
 *   RFC 4954 (SMTP AUTH; replies 235, 334, 454, 501, 503, 504, 535),
 *   RFC 4616 (PLAIN), draft-murchison-sasl-login (LOGIN).
 *
 * SECURITY
 *   The password is never logged. A PLAIN authorization identity other
 *   than the user's own is refused (no proxy logins).
 *
 *   Does NOT offer CRAM-MD5 or other mechanisms needing a plaintext
 *   secret on the server.
 */
import { type Reply, reply } from "./replies.ts";
import { answer, clientLabel, closeSession, logLine } from "./transitions.ts";
import type {
  SaslMechanism,
  SessionAction,
  SessionEvent,
  SessionPolicy,
  SmtpSession,
  Transition,
} from "./session_types.ts";

/** The mechanisms in the EHLO AUTH line, in order. */
export const SASL_MECHANISMS: readonly SaslMechanism[] = ["PLAIN", "LOGIN"];

const USERNAME_CHALLENGE = "VXNlcm5hbWU6"; // "Username:"
const PASSWORD_CHALLENGE = "UGFzc3dvcmQ6"; // "Password:"

/** Whether the client is on this machine (nothing crosses the network). */
export function isLoopbackClient(address: string): boolean {
  return address === "::1" || /^127\./.test(address);
}

/** Whether AUTH is offered to this session now. */
export function offersAuth(s: SmtpSession, policy: SessionPolicy): boolean {
  if (!policy.smtpd_sasl_auth_enable) return false;
  return s.tls !== null || !policy.smtpd_tls_auth_only ||
    isLoopbackClient(s.client.address);
}

/** The AUTH command. */
export function auth(
  s: SmtpSession,
  argument: string,
  policy: SessionPolicy,
): Transition {
  if (!offersAuth(s, policy)) {
    return answer(
      s,
      "auth",
      reply(503, "5.5.1", "Error: authentication not enabled"),
    );
  }
  if (s.helo === null) {
    return answer(
      s,
      "auth",
      reply(503, "5.5.1", "Error: send HELO/EHLO first"),
    );
  }
  if (s.authenticatedUser !== null) {
    return answer(
      s,
      "auth",
      reply(503, "5.5.1", "Error: already authenticated"),
    );
  }
  if (s.transaction !== null) {
    return answer(
      s,
      "auth",
      reply(503, "5.5.1", "Error: MAIL transaction in progress"),
    );
  }
  const [word, initial, ...extra] = argument.split(/[ \t]+/);
  const mechanism = (word ?? "").toUpperCase();
  if (word === "" || extra.length > 0) {
    return answer(s, "auth", reply(501, "5.5.4", "Syntax: AUTH mechanism"));
  }
  if (mechanism !== "PLAIN" && mechanism !== "LOGIN") {
    return answer(
      s,
      "auth",
      reply(504, "5.5.4", "Unrecognized authentication type"),
    );
  }
  const waiting: SmtpSession = {
    ...s,
    sasl: { mechanism, username: null },
  };
  if (initial === undefined) {
    return challenge(waiting, mechanism === "PLAIN" ? "" : USERNAME_CHALLENGE);
  }
  return saslResponse(waiting, initial, policy);
}

/** The client's answer to a 334 challenge. */
export function saslResponse(
  s: SmtpSession,
  line: string,
  policy: SessionPolicy,
): Transition {
  const exchange = s.sasl;
  if (exchange === null) throw new Error("SASL response without an exchange");
  const done: SmtpSession = { ...s, phase: "command", sasl: null };
  if (line.trim() === "*") {
    return answer(done, "auth", reply(501, "5.7.0", "Authentication aborted"));
  }
  const text = decodeBase64(line.trim());
  if (text === null) {
    return answer(done, "auth", reply(501, "5.5.2", "Cannot decode response"));
  }
  if (exchange.mechanism === "LOGIN") {
    if (exchange.username === null) {
      return challenge(
        { ...s, sasl: { ...exchange, username: text } },
        PASSWORD_CHALLENGE,
      );
    }
    return check(done, "LOGIN", exchange.username, text);
  }
  const parts = text.split("\0");
  if (parts.length !== 3 || parts[1] === "") {
    return answer(
      done,
      "auth",
      reply(501, "5.5.2", "Invalid authentication data"),
    );
  }
  const [authzid, authcid, password] = parts;
  if (authzid !== "" && authzid !== authcid) {
    return failed(
      done,
      "PLAIN",
      "authorization identity not allowed",
      policy,
    );
  }
  return check(done, "PLAIN", authcid, password);
}

/** The password check's answer. */
export function authResult(
  s: SmtpSession,
  outcome: Extract<SessionEvent, { type: "auth-result" }>["outcome"],
  policy: SessionPolicy,
): Transition {
  const mechanism = s.sasl?.mechanism ?? "PLAIN";
  const session: SmtpSession = { ...s, phase: "command", sasl: null };
  if (outcome.ok) {
    return answer(
      session,
      "auth",
      reply(235, "2.7.0", "Authentication successful"),
      { authenticatedUser: outcome.username, saslMethod: mechanism },
    );
  }
  if (outcome.refusal) {
    const r = outcome.refusal;
    return answer(session, "auth", reply(r.code, r.dsn, r.text));
  }
  if (outcome.temporary) {
    return answer(
      session,
      "auth",
      reply(454, "4.7.0", "Temporary authentication failure"),
    );
  }
  return failed(session, mechanism, "authentication failure", policy);
}

function challenge(s: SmtpSession, text: string): Transition {
  return {
    session: { ...s, phase: "sasl-response" },
    actions: [{ type: "reply", reply: reply(334, null, text) }],
  };
}

function check(
  s: SmtpSession,
  mechanism: SaslMechanism,
  username: string,
  password: string,
): Transition {
  return {
    session: {
      ...s,
      phase: "authenticating",
      sasl: { mechanism, username },
    },
    actions: [{ type: "authenticate", username, password }],
  };
}

function failed(
  s: SmtpSession,
  mechanism: SaslMechanism,
  why: string,
  policy: SessionPolicy,
): Transition {
  const delaySeconds = policy.smtpd_sasl_failed_auth_delay;
  const failures = s.authFailures + 1;
  const refusal: Reply = reply(
    535,
    "5.7.8",
    "Error: authentication failed: authentication failure",
  );
  const actions: SessionAction[] = [
    logLine(
      `${clientLabel(s)}: SASL ${mechanism} authentication failed: ${why}`,
      "warning",
    ),
  ];
  if (delaySeconds > 0) {
    actions.push({ type: "auth-delay", seconds: delaySeconds });
  }
  const t = answer(s, "auth", refusal, { authFailures: failures }, actions);
  if (failures < policy.smtpd_sasl_max_failed_auths) return t;
  return closeSession(t.session, [
    ...t.actions,
    {
      type: "reply",
      reply: reply(
        421,
        "4.7.0",
        `${policy.myhostname} Error: too many failed authentications`,
      ),
    },
  ]);
}

/** Strict base64 to UTF-8 text; null when it is not base64. */
function decodeBase64(text: string): string | null {
  if (text === "=") return "";
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    return null;
  }
  try {
    const binary = atob(text);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return null;
  }
}
