/**
 * The pop3d command table, and the transitions the session shares.
 *
 * DESCRIPTION
 *   One entry per POP3 command: the states it is valid in and a `proceed`
 *   that checks the argument and returns the transition, reply included.
 *   A command out of its state, an unknown command, a bad argument or a
 *   line too long is a bad command; after `pop3_max_bad_commands` of them
 *   the client is disconnected. A failed login is answered after a pause
 *   (the `delay` action, `pop3_failed_login_delay`), and after
 *   `pop3_max_failed_logins` failures the client is disconnected.
 *
 *   USER, PASS and AUTH PLAIN send the password in the clear: they are
 *   refused before TLS unless `pop3_plaintext_logins` allows them
 *   (`always`, or `loopback` for a client on 127.0.0.0/8 or ::1), and are
 *   only listed in CAPA where they are allowed.
 *
 *   Used by the session (`session.ts`). Pure.
 *
 * STANDARDS
 *   RFC 1939 sections 4-7 (commands and their replies), RFC 2449 (CAPA
 *   and its capabilities), RFC 2595 section 4 (STLS), RFC 3206
 *   (AUTH-RESP-CODE), RFC 5034 (AUTH, the PLAIN mechanism of RFC 4616).
 *
 *   Does NOT implement APOP, or SASL mechanisms other than PLAIN.
 */
import type {
  Phase,
  Pop3Session,
  SessionAction,
  SessionPolicy,
  Transition,
} from "./session_types.ts";
import {
  err,
  ok,
  okLines,
  type Pop3Reply,
  printable,
  saslContinue,
} from "./replies.ts";

/** The commands pop3d knows. */
export type Verb =
  | "USER"
  | "PASS"
  | "AUTH"
  | "STLS"
  | "CAPA"
  | "QUIT"
  | "STAT"
  | "LIST"
  | "RETR"
  | "DELE"
  | "NOOP"
  | "RSET"
  | "TOP"
  | "UIDL";

/** One row of the command table. */
export interface CommandSpec {
  /** The states (phases) the command is valid in. */
  readonly phases: readonly Phase[];
  /** It needs the maildrop's messages: the first such command scans it. */
  readonly lists?: boolean;
  /** Carries out the command (its argument already split off). */
  readonly proceed: (
    session: Pop3Session,
    argument: string,
    policy: SessionPolicy,
  ) => Transition;
}

const AUTHORIZATION: readonly Phase[] = ["authorization"];
const TRANSACTION: readonly Phase[] = ["transaction"];
const PLAINTEXT_REFUSED = err(
  "Plaintext authentication disallowed on non-secure connections; use STLS",
  "AUTH",
);

/** The command table. */
export const COMMANDS: Readonly<Record<Verb, CommandSpec>> = {
  CAPA: { phases: ["authorization", "transaction"], proceed: capa },
  USER: { phases: AUTHORIZATION, proceed: user },
  PASS: { phases: AUTHORIZATION, proceed: pass },
  AUTH: { phases: AUTHORIZATION, proceed: auth },
  STLS: { phases: AUTHORIZATION, proceed: stls },
  QUIT: { phases: ["authorization", "transaction"], proceed: quit },
  STAT: {
    phases: TRANSACTION,
    lists: true,
    proceed: noArgument((s) => {
      const { count, octets } = maildropSize(s);
      return answer(s, ok(`${count} ${octets}`));
    }),
  },
  LIST: {
    phases: TRANSACTION,
    lists: true,
    proceed: listing((s, i) => `${i + 1} ${s.messages.size(i)}`, (s) => {
      const { count, octets } = maildropSize(s);
      return `${count} messages (${octets} octets)`;
    }),
  },
  UIDL: {
    phases: TRANSACTION,
    lists: true,
    proceed: listing((s, i) => `${i + 1} ${s.messages.uidl(i)}`, () => ""),
  },
  RETR: { phases: TRANSACTION, lists: true, proceed: retr },
  TOP: { phases: TRANSACTION, lists: true, proceed: top },
  DELE: { phases: TRANSACTION, lists: true, proceed: dele },
  NOOP: { phases: TRANSACTION, proceed: noArgument((s) => answer(s, ok(""))) },
  RSET: {
    phases: TRANSACTION,
    lists: true,
    proceed: noArgument((s) => {
      const session = { ...s, deleted: new Set<number>() };
      const { count, octets } = maildropSize(session);
      return answer(
        session,
        ok(`Maildrop has ${count} messages (${octets} octets)`),
      );
    }),
  },
};

/** Whether USER, PASS and AUTH PLAIN are allowed on this connection now. */
export function plaintextAllowed(
  s: Pop3Session,
  policy: SessionPolicy,
): boolean {
  switch (policy.pop3_plaintext_logins) {
    case "always":
      return true;
    case "loopback":
      return s.tls || s.loopback;
    case "never":
      return s.tls;
  }
}

function isVerb(word: string): word is Verb {
  return Object.hasOwn(COMMANDS, word);
}

/** Parses `line` and runs its command (AUTHORIZATION or TRANSACTION state). */
export function runCommand(
  s: Pop3Session,
  line: string,
  policy: SessionPolicy,
): Transition {
  const space = line.indexOf(" ");
  const word = (space < 0 ? line : line.slice(0, space)).toUpperCase();
  const argument = space < 0 ? "" : line.slice(space + 1);
  if (!isVerb(word)) return badCommand(s, err("Unknown command"), policy);
  const spec = COMMANDS[word];
  if (!spec.phases.includes(s.phase)) {
    return badCommand(s, err("Command not valid in this state"), policy);
  }
  if (spec.lists && !s.listed) {
    // Login only locked the maildrop; it is scanned now, then the line runs.
    return {
      session: { ...s, phase: "scanning", pending: line },
      actions: [{ type: "scan" }],
    };
  }
  // PASS keeps its argument verbatim: a password may have spaces at its ends.
  return spec.proceed(s, word === "PASS" ? argument : argument.trim(), policy);
}

/** The transition that sends `reply`, after `before`. */
export function answer(
  s: Pop3Session,
  reply: Pop3Reply,
  before: readonly SessionAction[] = [],
): Transition {
  return { session: s, actions: [...before, say(reply)] };
}

/** A reply action. */
export function say(reply: Pop3Reply): SessionAction {
  return { type: "reply", reply };
}

/** A maillog line for pop3d. */
export function logLine(
  text: string,
  level: "info" | "warning" = "info",
): SessionAction {
  return { type: "log", level, text };
}

/** `NAME[ADDR]`, as Postfix names a client. */
export function clientLabel(s: Pop3Session): string {
  return `${s.client.name}[${s.client.address}]`;
}

/** Refuses a bad command; disconnects once `pop3_max_bad_commands` is reached. */
export function badCommand(
  s: Pop3Session,
  reply: Pop3Reply,
  policy: SessionPolicy,
): Transition {
  const session = { ...s, badCommands: s.badCommands + 1 };
  if (session.badCommands < policy.pop3_max_bad_commands) {
    return answer(session, reply);
  }
  return endSession(session, [
    say(err("Too many bad commands; closing connection")),
    logLine(`too many bad commands from ${clientLabel(s)}`, "warning"),
  ]);
}

/** Answers a wrong login or password, after the delay; disconnects after too many. */
export function loginFailed(
  s: Pop3Session,
  login: string,
  policy: SessionPolicy,
): Transition {
  const session = { ...s, failedLogins: s.failedLogins + 1 };
  const before: SessionAction[] = [
    logLine(
      `login failed: user=<${printable(login)}>, ip=[${s.client.address}]`,
      "warning",
    ),
    { type: "delay", seconds: policy.pop3_failed_login_delay },
  ];
  if (session.failedLogins < policy.pop3_max_failed_logins) {
    return answer(session, err("Authentication failed", "AUTH"), before);
  }
  return endSession(session, [
    ...before,
    say(err("Too many failed logins", "AUTH")),
  ]);
}

/**
 * Ends the session after `actions`: releases a maildrop still held,
 * logs the logout and the disconnect, closes.
 */
export function endSession(
  s: Pop3Session,
  actions: readonly SessionAction[],
): Transition {
  const holding = s.phase === "transaction" || s.phase === "transmitting" ||
    s.phase === "scanning";
  const loggedIn = holding || s.phase === "committing";
  const tail: SessionAction[] = holding ? [{ type: "release" }] : [];
  if (loggedIn) {
    const { top, retr, dele } = s.counts;
    tail.push(
      logLine(
        `logout: user=<${
          printable(s.login ?? "")
        }>, ip=[${s.client.address}], top=${top}, retr=${retr}, dele=${dele}`,
      ),
    );
  }
  tail.push(logLine(`disconnect from ${clientLabel(s)}`), { type: "close" });
  return { session: { ...s, phase: "closed" }, actions: [...actions, ...tail] };
}

/** Handles the line after `AUTH PLAIN` + `+ ` (phase `sasl`). */
export function saslResponse(
  s: Pop3Session,
  line: string,
  policy: SessionPolicy,
): Transition {
  const session: Pop3Session = { ...s, phase: "authorization" };
  if (line.trim() === "*") {
    return answer(session, err("Authentication cancelled", "AUTH"));
  }
  return plainLogin(session, line.trim(), policy);
}

function capa(s: Pop3Session, argument: string, policy: SessionPolicy) {
  if (argument !== "") return badCommand(s, err("Syntax: CAPA"), policy);
  const lines = ["TOP"];
  const loggingIn = s.phase === "authorization";
  if (loggingIn && plaintextAllowed(s, policy)) lines.push("USER");
  lines.push("RESP-CODES", "AUTH-RESP-CODE", "UIDL", "PIPELINING");
  if (loggingIn && plaintextAllowed(s, policy)) lines.push("SASL PLAIN");
  if (loggingIn && s.tlsAvailable && !s.tls) lines.push("STLS");
  lines.push("EXPIRE NEVER", "IMPLEMENTATION mailsrv");
  return answer(s, okLines("Capability list follows", lines));
}

function user(s: Pop3Session, argument: string, policy: SessionPolicy) {
  if (!plaintextAllowed(s, policy)) {
    return badCommand(s, PLAINTEXT_REFUSED, policy);
  }
  if (argument === "") return badCommand(s, err("Syntax: USER name"), policy);
  // Say +OK whatever the name: a refusal here would tell who exists.
  return answer({ ...s, user: argument }, ok(""));
}

function pass(s: Pop3Session, argument: string, policy: SessionPolicy) {
  if (!plaintextAllowed(s, policy)) {
    return badCommand(s, PLAINTEXT_REFUSED, policy);
  }
  if (s.user === null) return badCommand(s, err("Send USER first"), policy);
  return authenticate(s, s.user, argument);
}

function auth(s: Pop3Session, argument: string, policy: SessionPolicy) {
  const allowed = plaintextAllowed(s, policy);
  if (argument === "") {
    // Not in RFC 5034, but clients (Outlook) ask this way for the list.
    return answer(s, okLines("", allowed ? ["PLAIN"] : []));
  }
  const [mechanism, initial, ...extra] = argument.split(/ +/);
  if (mechanism.toUpperCase() !== "PLAIN" || extra.length > 0) {
    return badCommand(s, err("Unsupported authentication mechanism"), policy);
  }
  if (!allowed) return badCommand(s, PLAINTEXT_REFUSED, policy);
  if (initial === undefined) {
    return answer({ ...s, phase: "sasl", user: null }, saslContinue());
  }
  return plainLogin(s, initial, policy);
}

/** Checks an RFC 4616 PLAIN response (base64 of `authzid NUL authcid NUL passwd`). */
function plainLogin(s: Pop3Session, response: string, policy: SessionPolicy) {
  const fields = decodePlain(response);
  if (fields === null) {
    return badCommand(s, err("Invalid SASL PLAIN response", "AUTH"), policy);
  }
  const [authzid, login, password] = fields;
  // Logging in as somebody else (proxy authorization) is not offered.
  if (authzid !== "" && authzid !== login) return loginFailed(s, login, policy);
  return authenticate({ ...s, user: null }, login, password);
}

function decodePlain(response: string): [string, string, string] | null {
  const text = response === "=" ? "" : response;
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    return null;
  }
  let decoded: string;
  try {
    const binary = atob(text);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const fields = decoded.split("\0");
  if (fields.length !== 3 || fields[1] === "") return null;
  return [fields[0], fields[1], fields[2]];
}

function authenticate(
  s: Pop3Session,
  login: string,
  password: string,
): Transition {
  return {
    session: { ...s, phase: "authenticating", user: null, login },
    actions: [{ type: "login", login, password }],
  };
}

function stls(s: Pop3Session, argument: string, policy: SessionPolicy) {
  if (argument !== "") return badCommand(s, err("Syntax: STLS"), policy);
  if (s.tls) {
    return badCommand(s, err("Command not permitted when TLS active"), policy);
  }
  if (!s.tlsAvailable) return badCommand(s, err("STLS not available"), policy);
  return {
    session: { ...s, phase: "starting-tls" as const },
    actions: [say(ok("Begin TLS negotiation")), { type: "start-tls" as const }],
  };
}

function quit(s: Pop3Session, argument: string, policy: SessionPolicy) {
  if (argument !== "") return badCommand(s, err("Syntax: QUIT"), policy);
  if (s.phase === "authorization") {
    return endSession(s, [
      say(ok(`${policy.myhostname} POP3 server signing off`)),
    ]);
  }
  return {
    session: { ...s, phase: "committing" as const },
    actions: [{ type: "commit" as const, deleted: s.deleted }],
  };
}

function retr(s: Pop3Session, argument: string, policy: SessionPolicy) {
  const found = findMessage(s, argument, policy);
  if (typeof found !== "number") return found;
  const session: Pop3Session = {
    ...s,
    phase: "transmitting",
    counts: { ...s.counts, retr: s.counts.retr + 1 },
  };
  return {
    session,
    actions: [{
      type: "transmit" as const,
      index: found,
      bodyLines: null,
      reply: ok(`${s.messages.size(found)} octets`),
    }],
  };
}

function top(s: Pop3Session, argument: string, policy: SessionPolicy) {
  const [number, lines, ...extra] = argument.split(/ +/);
  if (lines === undefined || extra.length > 0 || !/^\d{1,9}$/.test(lines)) {
    return badCommand(s, err("Syntax: TOP message lines"), policy);
  }
  const found = findMessage(s, number, policy);
  if (typeof found !== "number") return found;
  const session: Pop3Session = {
    ...s,
    phase: "transmitting",
    counts: { ...s.counts, top: s.counts.top + 1 },
  };
  return {
    session,
    actions: [{
      type: "transmit" as const,
      index: found,
      bodyLines: Number(lines),
      reply: ok("Top of message follows"),
    }],
  };
}

function dele(s: Pop3Session, argument: string, policy: SessionPolicy) {
  const found = findMessage(s, argument, policy);
  if (typeof found !== "number") return found;
  const deleted = new Set(s.deleted).add(found);
  const counts = { ...s.counts, dele: s.counts.dele + 1 };
  return answer(
    { ...s, deleted, counts },
    ok(`Message ${found + 1} deleted`),
  );
}

/** LIST and UIDL: one message with an argument, all undeleted ones without. */
function listing(
  line: (s: Pop3Session, index: number) => string,
  heading: (s: Pop3Session) => string,
) {
  return (s: Pop3Session, argument: string, policy: SessionPolicy) => {
    if (argument !== "") {
      const found = findMessage(s, argument, policy);
      return typeof found === "number" ? answer(s, ok(line(s, found))) : found;
    }
    const lines: string[] = [];
    for (let i = 0; i < s.messages.count; i++) {
      if (!s.deleted.has(i)) lines.push(line(s, i));
    }
    return answer(s, okLines(heading(s), lines));
  };
}

function noArgument(proceed: (s: Pop3Session) => Transition) {
  return (s: Pop3Session, argument: string, policy: SessionPolicy) =>
    argument === ""
      ? proceed(s)
      : badCommand(s, err("Command takes no argument"), policy);
}

/** The index of message `argument`, or the refusal. */
function findMessage(
  s: Pop3Session,
  argument: string,
  policy: SessionPolicy,
): number | Transition {
  if (!/^\d{1,10}$/.test(argument)) {
    return badCommand(s, err("Invalid message number"), policy);
  }
  const n = Number(argument);
  if (n < 1 || n > s.messages.count) return answer(s, err("No such message"));
  if (s.deleted.has(n - 1)) {
    return answer(s, err(`Message ${n} already deleted`));
  }
  return n - 1;
}

/** Count and octets of the messages not marked deleted. */
function maildropSize(s: Pop3Session): { count: number; octets: number } {
  let count = 0;
  let octets = 0;
  for (let i = 0; i < s.messages.count; i++) {
    if (!s.deleted.has(i)) {
      count++;
      octets += s.messages.size(i);
    }
  }
  return { count, octets };
}
