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
 *   (RETR, TOP); `transaction` → `scanning` → `transaction` once, at the
 *   first command that needs the messages (the `scan` action; the
 *   command then runs); `transaction` → `committing` (QUIT, the UPDATE
 *   state); any phase → `closed`. The commands live in `commands.ts`, the shapes
 *   of state, events and actions in `session_types.ts`.
 *
 *   Login locks the maildrop and answers at once ("maildrop locked and
 *   ready", RFC 1939 §7); the snapshot is taken at the first STAT, LIST,
 *   UIDL, RETR, TOP, DELE or RSET and never changes after; DELE only marks a message,
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
import { err, ok } from "./replies.ts";
import { EMPTY_LISTING } from "./maildrop_listing.ts";
import type {
  LoginOutcome,
  Phase,
  Pop3Session,
  SessionEvent,
  SessionPolicy,
  Transition,
} from "./session_types.ts";

export { plaintextAllowed };

export type {
  ClientIdentity,
  LoginOutcome,
  Phase,
  Pop3Session,
  SessionAction,
  SessionCounts,
  SessionEvent,
  SessionPolicy,
  Transition,
} from "./session_types.ts";

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
    messages: EMPTY_LISTING,
    listed: false,
    pending: null,
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
    case "scanned": {
      expectPhase(s, event, "scanning");
      const listed: Pop3Session = {
        ...s,
        phase: "transaction",
        messages: event.messages,
        listed: true,
        pending: null,
      };
      return runCommand(listed, s.pending ?? "NOOP", policy);
    }
    case "scan-failed":
      expectPhase(s, event, "scanning");
      return endSession({ ...s, phase: "transaction", pending: null }, [
        logLine(
          `cannot read the maildrop of ${s.login}: ${event.reason}`,
          "warning",
        ),
        say(err("Cannot open maildrop; try again later", "SYS/TEMP")),
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
      // The maildrop is locked; it is scanned at the first command that
      // needs its messages, so a large one does not hold up this reply.
      const session: Pop3Session = {
        ...s,
        phase: "transaction",
        messages: EMPTY_LISTING,
        listed: false,
        pending: null,
        deleted: new Set(),
      };
      return {
        session,
        actions: [
          logLine(`login: user=<${login}>, ${ip}`),
          say(ok("Maildrop locked and ready")),
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
