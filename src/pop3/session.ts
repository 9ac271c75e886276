/**
 * The pop3d session: a pure RFC 1939 server state machine.
 *
 * DESCRIPTION
 *   `step(session, event, policy)` returns the next session and the
 *   actions the adapter must carry out. It is synchronous and knows no
 *   socket, clock or disk, so the same machine serves TCP, TLS, inetd and
 *   tests that drive it line by line.
 *
 *   Events are what happened: the client connected, sent a command line
 *   (or one too long), went silent or away, the service is draining, or a
 *   result the session asked for arrived (a login checked and its maildrop
 *   opened, TLS started, a message sent, deletions committed). Actions are
 *   what to do: reply, log, pause after a failed login, check a login,
 *   start TLS, send a message, commit or release the maildrop, close.
 *
 *   Phases: `connecting` → `authorization` ⇄ `sasl` (an AUTH PLAIN
 *   response is awaited), `authenticating` (a login is being checked) and
 *   `starting-tls`; `authorization` → `transaction` ⇄ `transmitting`
 *   (RETR, TOP); `transaction` → `committing` (QUIT, the UPDATE state);
 *   any phase → `closed`. The commands live in `commands.ts`.
 *
 *   The maildrop is a snapshot taken at login; DELE only marks a message,
 *   RSET unmarks all, and only QUIT in the TRANSACTION state removes the
 *   marked messages (the `commit` action). A session that ends any other
 *   way (timeout, lost connection, shutdown) releases the maildrop
 *   unchanged (RFC 1939 section 6).
 *
 *   Used by the pop3d role through its adapter (`connection.ts`); pure,
 *   so it needs no permissions.
 *
 * STANDARDS
 *   RFC 1939 (states and commands), RFC 2449 (CAPA, RESP-CODES,
 *   PIPELINING, 255-octet command lines), RFC 2595 section 4 (STLS),
 *   RFC 3206 (AUTH and SYS response codes), RFC 5034 (AUTH PLAIN).
 *
 *   Does NOT offer APOP (passwd files hold hashes, so there is no shared
 *   secret; the greeting carries no timestamp) or SASL mechanisms other
 *   than PLAIN.
 */
import type { Config } from "../config/types.ts";
import type { MaildropMessage } from "./types.ts";
import { inNetworks } from "../policy/networks.ts";
import {
  badCommand,
  clientLabel,
  endSession,
  loginFailed,
  logLine,
  plaintextAllowed,
  runCommand,
  saslResponse,
  say,
} from "./commands.ts";
import { err, ok, type Pop3Reply } from "./replies.ts";

export { plaintextAllowed };

/** The configuration the session reads (a `Config` will do). */
export type SessionPolicy = Pick<
  Config,
  | "myhostname"
  | "pop3_plaintext_logins"
  | "pop3_failed_login_delay"
  | "pop3_max_failed_logins"
  | "pop3_max_bad_commands"
>;

/** The POP3 client: host name (`localhost` or `unknown`) and IP address. */
export interface ClientIdentity {
  readonly name: string;
  readonly address: string;
}

/** Where the session is (see the module comment). */
export type Phase =
  | "connecting"
  | "authorization"
  | "sasl"
  | "authenticating"
  | "starting-tls"
  | "transaction"
  | "transmitting"
  | "committing"
  | "closed";

/** What the session did with the maildrop, for the logout line. */
export interface SessionCounts {
  readonly top: number;
  readonly retr: number;
  readonly dele: number;
}

/** The state of one POP3 session. Never mutated: `step` returns a new one. */
export interface Pop3Session {
  readonly phase: Phase;
  readonly client: ClientIdentity;
  /** The client is on a loopback address (`pop3_plaintext_logins = loopback`). */
  readonly loopback: boolean;
  /** The connection is encrypted (pop3s, or after STLS). */
  readonly tls: boolean;
  /** A certificate is configured, so STLS can be offered. */
  readonly tlsAvailable: boolean;
  /** The USER argument awaiting its PASS, or null. */
  readonly user: string | null;
  /** The login being checked or logged in, or null. */
  readonly login: string | null;
  /** The maildrop snapshot (TRANSACTION state); empty before login. */
  readonly messages: readonly MaildropMessage[];
  /** Indexes (0-based) of messages marked deleted. */
  readonly deleted: ReadonlySet<number>;
  readonly failedLogins: number;
  readonly badCommands: number;
  readonly counts: SessionCounts;
}

/** How checking a login and opening its maildrop turned out. */
export type LoginOutcome =
  | { readonly type: "ok"; readonly messages: readonly MaildropMessage[] }
  /** Wrong login or password. */
  | { readonly type: "rejected" }
  /** The maildrop is locked by another session or a delivery. */
  | { readonly type: "busy" }
  /** The authenticator or the maildrop failed (not the client's fault). */
  | { readonly type: "unavailable" };

/** Something that happened; the input of `step`. */
export type SessionEvent =
  | {
    readonly type: "connect";
    readonly client: ClientIdentity;
    /** The connection is already encrypted (pop3s). */
    readonly tls: boolean;
    /** STLS can be offered (a certificate is configured). */
    readonly tlsAvailable: boolean;
  }
  | { readonly type: "command"; readonly line: string }
  | { readonly type: "command-too-long" }
  | { readonly type: "login-result"; readonly outcome: LoginOutcome }
  | { readonly type: "tls-started" }
  | { readonly type: "tls-failed"; readonly reason: string }
  | { readonly type: "transmitted" }
  | {
    readonly type: "transmit-failed";
    /** Part of the message was already sent: the reply cannot be fixed. */
    readonly started: boolean;
    readonly reason: string;
  }
  | { readonly type: "committed" }
  | { readonly type: "commit-failed"; readonly reason: string }
  | { readonly type: "timeout" }
  | { readonly type: "shutdown" }
  | { readonly type: "eof" };

/** Something to do; the output of `step`, carried out in order. */
export type SessionAction =
  | { readonly type: "reply"; readonly reply: Pop3Reply }
  | {
    readonly type: "log";
    readonly level: "info" | "warning";
    readonly text: string;
  }
  /** Write the replies so far, then pause (after a failed login). */
  | { readonly type: "delay"; readonly seconds: number }
  /** Check the login, open its maildrop; answer with `login-result`. */
  | {
    readonly type: "login";
    readonly login: string;
    readonly password: string;
  }
  /** Write the replies so far, drop unread input, start TLS; answer `tls-started` or `tls-failed`. */
  | { readonly type: "start-tls" }
  /**
   * Open message `index`; once open, send `reply` and the message (all
   * of it, or the header and `bodyLines` body lines); answer
   * `transmitted` or `transmit-failed`.
   */
  | {
    readonly type: "transmit";
    readonly index: number;
    readonly bodyLines: number | null;
    readonly reply: Pop3Reply;
  }
  /** Remove the marked messages, unlock; answer `committed` or `commit-failed`. */
  | { readonly type: "commit"; readonly deleted: ReadonlySet<number> }
  /** Unlock the maildrop without changes. */
  | { readonly type: "release" }
  /** Close the connection (after writing the replies so far). */
  | { readonly type: "close" };

/** The result of one `step`. */
export interface Transition {
  readonly session: Pop3Session;
  readonly actions: readonly SessionAction[];
}

const LOOPBACK = ["127.0.0.0/8", "::1/128"];

/** A session before its `connect` event. */
export function newSession(): Pop3Session {
  return {
    phase: "connecting",
    client: { name: "unknown", address: "" },
    loopback: false,
    tls: false,
    tlsAvailable: false,
    user: null,
    login: null,
    messages: [],
    deleted: new Set(),
    failedLogins: 0,
    badCommands: 0,
    counts: { top: 0, retr: 0, dele: 0 },
  };
}

/** Whether the session waits for a command (the adapter may then time it out). */
export function awaitingCommand(s: Pop3Session): boolean {
  return s.phase === "authorization" || s.phase === "transaction" ||
    s.phase === "sasl";
}

/**
 * Advances the session by one event.
 * @throws Error when the event cannot happen in the session's phase (a bug
 *   in the adapter, never a client's doing)
 */
export function step(
  session: Pop3Session,
  event: SessionEvent,
  policy: SessionPolicy,
): Transition {
  const s = session;
  switch (event.type) {
    case "connect":
      expectPhase(s, event, "connecting");
      return connect(s, event, policy);
    case "command":
      expectPhase(s, event, "authorization", "transaction", "sasl");
      return s.phase === "sasl"
        ? saslResponse(s, event.line, policy)
        : runCommand(s, event.line, policy);
    case "command-too-long":
      expectPhase(s, event, "authorization", "transaction", "sasl");
      return badCommand(
        { ...s, phase: s.phase === "sasl" ? "authorization" : s.phase },
        err("Command line too long"),
        policy,
      );
    case "login-result":
      expectPhase(s, event, "authenticating");
      return loginResult(s, event.outcome, policy);
    case "tls-started":
      expectPhase(s, event, "starting-tls");
      // RFC 2595 section 4: what the client said before TLS is forgotten.
      return {
        session: { ...s, phase: "authorization", tls: true, user: null },
        actions: [],
      };
    case "tls-failed":
      expectPhase(s, event, "starting-tls");
      return endSession(s, [
        logLine(`TLS handshake failed: ${event.reason}`, "warning"),
      ]);
    case "transmitted":
      expectPhase(s, event, "transmitting");
      return { session: { ...s, phase: "transaction" }, actions: [] };
    case "transmit-failed":
      expectPhase(s, event, "transmitting");
      return transmitFailed(s, event.started, event.reason);
    case "committed":
      expectPhase(s, event, "committing");
      return endSession(s, [
        say(ok(`${policy.myhostname} POP3 server signing off`)),
      ]);
    case "commit-failed":
      expectPhase(s, event, "committing");
      return endSession(s, [
        logLine(
          `cannot remove deleted messages of ${s.login}: ${event.reason}`,
          "warning",
        ),
        say(
          err(
            "Cannot remove deleted messages; nothing was removed",
            "SYS/TEMP",
          ),
        ),
        { type: "release" },
      ]);
    case "timeout":
      expectPhase(s, event, "authorization", "transaction", "sasl");
      return endSession(s, [
        say(err("Autologout; idle for too long", "SYS/TEMP")),
        logLine(`timeout after ${s.phase} from ${clientLabel(s)}`),
      ]);
    case "shutdown":
      expectPhase(s, event, "authorization", "transaction", "sasl");
      return endSession(s, [
        say(err(`${policy.myhostname} POP3 server shutting down`, "SYS/TEMP")),
      ]);
    case "eof":
      expectPhase(s, event, "authorization", "transaction", "sasl");
      return endSession(s, [
        logLine(`lost connection in ${s.phase} from ${clientLabel(s)}`),
      ]);
  }
}

function expectPhase(
  s: Pop3Session,
  event: SessionEvent,
  ...phases: Phase[]
): void {
  if (!phases.includes(s.phase)) {
    throw new Error(`POP3 session got "${event.type}" in phase "${s.phase}"`);
  }
}

function connect(
  s: Pop3Session,
  event: Extract<SessionEvent, { type: "connect" }>,
  policy: SessionPolicy,
): Transition {
  const session: Pop3Session = {
    ...s,
    phase: "authorization",
    client: event.client,
    loopback: inNetworks(event.client.address, LOOPBACK),
    tls: event.tls,
    tlsAvailable: event.tlsAvailable,
  };
  return {
    session,
    actions: [
      logLine(`connect from ${clientLabel(session)}`),
      say(ok(`${policy.myhostname} POP3 server ready`)),
    ],
  };
}

function loginResult(
  s: Pop3Session,
  outcome: LoginOutcome,
  policy: SessionPolicy,
): Transition {
  const login = s.login ?? "";
  const ip = `ip=[${s.client.address}]`;
  const back: Pop3Session = { ...s, phase: "authorization", login: null };
  switch (outcome.type) {
    case "ok": {
      const session: Pop3Session = {
        ...s,
        phase: "transaction",
        messages: outcome.messages,
        deleted: new Set(),
      };
      const octets = outcome.messages.reduce((sum, m) => sum + m.size, 0);
      return {
        session,
        actions: [
          logLine(`login: user=<${login}>, ${ip}`),
          say(
            ok(
              `Maildrop has ${outcome.messages.length} messages (${octets} octets)`,
            ),
          ),
        ],
      };
    }
    case "rejected":
      return loginFailed(back, login, policy);
    case "busy":
      return {
        session: back,
        actions: [
          logLine(`maildrop busy: user=<${login}>, ${ip}`, "warning"),
          say(err("Maildrop is locked by another session", "IN-USE")),
        ],
      };
    case "unavailable":
      return {
        session: back,
        actions: [
          say(err("Cannot open maildrop; try again later", "SYS/TEMP")),
        ],
      };
  }
}

function transmitFailed(
  s: Pop3Session,
  started: boolean,
  reason: string,
): Transition {
  const warning = logLine(
    `cannot read a message of ${s.login}: ${reason}`,
    "warning",
  );
  if (started) return endSession({ ...s, phase: "transaction" }, [warning]);
  return {
    session: { ...s, phase: "transaction" },
    actions: [warning, say(err("Cannot read message", "SYS/TEMP"))],
  };
}
