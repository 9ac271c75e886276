/**
 * The smtpd session: a pure RFC 5321 server state machine.
 *
 * DESCRIPTION
 *   `step(session, event, policy)` returns the next session and the
 *   actions the adapter must carry out. It is synchronous and knows no
 *   socket, clock or disk, so the same machine serves TCP, inetd and
 *   tests that drive it line by line.
 *
 *   Events are what happened: the client connected, sent a command line
 *   (or one too long), went silent or away, the daemon is shutting down,
 *   or a result the session asked for arrived (a recipient verdict, the
 *   queue file opened, the content read, the message queued). Actions are
 *   what to do: reply, log, verify a recipient, open the queue file,
 *   receive the content, commit or abort it, close the connection.
 *
 *   Phases: `connecting` → `command` ⇄ `verifying` (a local recipient is
 *   being looked up) and `command` → `opening` → `data` → `committing` →
 *   `command` for DATA; any phase → `closed`. The commands themselves live
 *   in the command table (`commands.ts`), the shapes of state, events
 *   and actions in `session_types.ts`.
 *
 *   The message is refused at the end of data, with nothing queued, when
 *   it exceeds `message_size_limit` (552 5.3.4), has a bare CR or LF under
 *   `smtpd_forbid_bare_newline = reject` (550 5.5.2), or has a line longer
 *   than 1000 octets with its CRLF (500 5.5.0, RFC 5321 section
 *   4.5.3.1.6: such a line cannot be relayed intact, and folding it would
 *   change the message). Nothing is acknowledged before the queue said the
 *   message is durable (`queued`).
 *
 *   After `smtpd_hard_error_limit` error replies in one session the client
 *   is disconnected with 421 4.7.0; past `smtpd_soft_error_limit` each
 *   error reply is preceded by a `pause` of `smtpd_error_sleep_time`.
 *   NOOP, VRFY, ETRN and RSET past `smtpd_junk_command_limit` count as
 *   errors (`junk_commands.ts`).
 *
 *   Used by the smtpd role through its adapter (`connection.ts`); pure,
 *   so it needs no permissions.
 *
 * STANDARDS
 *   RFC 5321 sections 3, 4.1, 4.3 (sequencing), 4.5.3 (limits); RFC 2920
 *   (pipelining: the adapter batches replies), RFC 1870 (SIZE), RFC 6152
 *   (8BITMIME), RFC 2034 and RFC 3463 (enhanced status codes).
 *
 *   Restriction lists (relay permission among them) are asked for with a
 *   `check-restrictions` action at RCPT, DATA and the end of the message
 *   (`restriction_steps.ts`); the adapter answers `restriction-verdict`.
 *
 *   STARTTLS (`starttls.ts`): the session asks the adapter for the
 *   handshake (`start-tls` → `tls-started`/`tls-failed`, phase
 *   `starting-tls`) and then starts afresh, as RFC 3207 requires. AUTH
 *   (`sasl_auth.ts`): 334 challenges read in phase `sasl-response`, the
 *   password checked by the adapter (`authenticate` → `auth-result`,
 *   phase `authenticating`). `tls` and `authenticatedUser` in the state
 *   are what the restriction lists read.
 *
 *   ETRN (RFC 1985, `etrn.ts`) asks the adapter for a flush of a site
 *   (the `flush-site` action) and answers from its result.
 *
 *   Does NOT do CHUNKING or SMTPUTF8.
 */
import { discarded, held } from "./message_dispositions.ts";
import { inNetworks } from "../policy/networks.ts";
import { countJunkCommand } from "./junk_commands.ts";
import { COMMANDS, helloChecked, isVerb, openData } from "./commands.ts";
import {
  checkRestrictions,
  restrictionVerdict,
  stageHasList,
} from "./restriction_steps.ts";
import { type Reply, reply } from "./replies.ts";
import { vrfyVerdict } from "./vrfy.ts";
import { etrnResult } from "./etrn.ts";
import { clientLogField } from "./xforward.ts";
import { describeTls, tlsFailed, tlsRequired, tlsStarted } from "./starttls.ts";
import { authResult, saslResponse } from "./sasl_auth.ts";
import {
  addRecipient,
  answer,
  clientLabel,
  closeSession,
  logLine,
  rejectLogLine,
  say,
} from "./transitions.ts";
import type {
  DataSummary,
  Phase,
  QueueFailure,
  RecipientVerdict,
  SessionAction,
  SessionEvent,
  SessionPolicy,
  SmtpSession,
  Transition,
} from "./session_types.ts";

export type {
  ClientIdentity,
  CommandCount,
  DataSummary,
  Phase,
  QueueFailure,
  RecipientVerdict,
  SaslMechanism,
  SessionAction,
  SessionEvent,
  SessionPolicy,
  SmtpSession,
  TlsInfo,
  Transaction,
  Transition,
} from "./session_types.ts";

/** A session before its `connect` event. */
export function newSession(): SmtpSession {
  return {
    phase: "connecting",
    client: { name: "unknown", address: "" },
    clientInMynetworks: false,
    clientPopBeforeSmtp: false,
    helo: null,
    protocol: "SMTP",
    transaction: null,
    pendingRecipient: null,
    pendingVrfy: null,
    lastCommand: "CONNECT",
    counts: {},
    errors: 0,
    tls: null,
    tlsAvailable: false,
    authenticatedUser: null,
    saslMethod: null,
    sasl: null,
    authFailures: 0,
    pendingCheck: null,
    pipelined: false,
  };
}

/** Whether a mail transaction is under way (MAIL given, not yet ended). */
export function inTransaction(session: SmtpSession): boolean {
  return session.transaction !== null;
}

/**
 * Advances the session by one event.
 * @throws Error when the event cannot happen in the session's phase (a bug
 *   in the adapter, never a client's doing)
 */
export function step(
  session: SmtpSession,
  event: SessionEvent,
  policy: SessionPolicy,
): Transition {
  const result = countJunkCommand(
    session,
    dispatch(session, event, policy),
    policy.smtpd_junk_command_limit,
  );
  const s = result.session;
  if (s.phase === "command" && s.errors >= policy.smtpd_hard_error_limit) {
    return closeSession(s, [
      ...result.actions,
      say(reply(421, "4.7.0", `${policy.myhostname} Error: too many errors`)),
      logLine(`too many errors after ${s.lastCommand} from ${clientLabel(s)}`),
    ]);
  }
  return sleepBeforeError(session, result, policy);
}

/**
 * Postfix's tarpit: once the client made smtpd_soft_error_limit errors,
 * each further error reply waits smtpd_error_sleep_time.
 */
function sleepBeforeError(
  before: SmtpSession,
  result: Transition,
  policy: SessionPolicy,
): Transition {
  const errors = result.session.errors;
  if (
    errors <= before.errors || errors <= policy.smtpd_soft_error_limit ||
    policy.smtpd_error_sleep_time <= 0
  ) {
    return result;
  }
  const last = result.actions.findLastIndex((a) => a.type === "reply");
  if (last === -1) return result;
  const actions = [...result.actions];
  actions.splice(last, 0, {
    type: "pause",
    seconds: policy.smtpd_error_sleep_time,
  });
  return { session: result.session, actions };
}

function dispatch(
  s: SmtpSession,
  event: SessionEvent,
  policy: SessionPolicy,
): Transition {
  switch (event.type) {
    case "connect":
      expectPhase(s, event, "connecting");
      return connect(s, event, policy);
    case "command":
      expectPhase(s, event, "command", "sasl-response");
      if (s.phase === "sasl-response") {
        return saslResponse(s, event.line, policy);
      }
      return command(
        {
          ...s,
          pipelined: event.pipelined ?? false,
          queueFreeSpace: event.queueFreeSpace,
        },
        event.line,
        policy,
      );
    case "command-too-long":
      expectPhase(s, event, "command", "sasl-response");
      return answer(
        { ...s, lastCommand: "UNKNOWN" },
        "unknown",
        reply(500, "5.5.0", "Error: line too long"),
      );
    case "tls-started":
      expectPhase(s, event, "starting-tls");
      return tlsStarted(s, event.tls);
    case "tls-failed":
      expectPhase(s, event, "starting-tls");
      return tlsFailed(s, event.reason);
    case "auth-result":
      expectPhase(s, event, "authenticating");
      return authResult(s, event.outcome, policy);
    case "recipient-verdict":
      expectPhase(s, event, "verifying");
      return recipientVerdict(s, event.verdict);
    case "restriction-verdict":
      expectPhase(s, event, "checking");
      return restrictionVerdict(s, event.verdict, (next, pending) => {
        switch (pending.stage) {
          case "connect":
            return greet(next, policy);
          case "helo":
            return helloChecked(next, pending, policy);
          case "data":
            return openData(next, policy);
          case "end-of-data":
            return commit(next);
        }
      });
    case "data-begun":
      expectPhase(s, event, "opening");
      return dataBegun(s, event.queueId);
    case "data-open-failed":
      expectPhase(s, event, "opening");
      return answer(
        endTransaction(s),
        "data",
        queueFailureReply(event.failure),
      );
    case "data-end":
      expectPhase(s, event, "data");
      return dataEnd(s, event.summary, policy);
    case "queued":
      expectPhase(s, event, "committing");
      return answer(
        endTransaction(s),
        "data",
        reply(250, "2.0.0", `Ok: queued as ${s.transaction?.queueId}`),
      );
    case "queue-failed":
      expectPhase(s, event, "committing");
      return answer(
        endTransaction(s),
        "data",
        queueFailureReply(event.failure),
        {},
        [
          { type: "abort" },
        ],
      );
    case "flush-site-result":
      expectPhase(s, event, "command");
      return etrnResult(s, event.site, event.queued);
    case "timeout":
      expectPhase(s, event, "command", "data", "sasl-response");
      return closeSession(s, [
        ...abortIfReceiving(s),
        say(
          reply(421, "4.4.2", `${policy.myhostname} Error: timeout exceeded`),
        ),
        logLine(`timeout after ${s.lastCommand} from ${clientLabel(s)}`),
      ]);
    case "eof":
      expectPhase(s, event, "command", "data", "sasl-response");
      return closeSession(s, [
        ...abortIfReceiving(s),
        logLine(
          `lost connection after ${s.lastCommand} from ${clientLabel(s)}`,
        ),
      ]);
    case "shutdown":
      expectPhase(s, event, "command", "data", "sasl-response");
      return closeSession(s, [
        ...abortIfReceiving(s),
        say(reply(421, "4.3.2", `${policy.myhostname} Service shutting down`)),
      ]);
  }
}

function expectPhase(
  s: SmtpSession,
  event: SessionEvent,
  ...phases: Phase[]
): void {
  if (!phases.includes(s.phase)) {
    throw new Error(`SMTP session got "${event.type}" in phase "${s.phase}"`);
  }
}

function connect(
  s: SmtpSession,
  event: Extract<SessionEvent, { type: "connect" }>,
  policy: SessionPolicy,
): Transition {
  const { client, activeSessions } = event;
  const session: SmtpSession = {
    ...s,
    phase: "command",
    client,
    clientInMynetworks: inNetworks(client.address, policy.mynetworks),
    clientPopBeforeSmtp: event.popBeforeSmtp ?? false,
    tlsAvailable: event.tlsAvailable ?? false,
    tls: event.tls ?? null,
  };
  const connected = logLine(`connect from ${clientLabel(session)}`);
  if (event.limitRefusal !== undefined) {
    const r = event.limitRefusal;
    return closeSession(session, [
      connected,
      say(reply(r.code, r.dsn, r.text)),
    ]);
  }
  const wrapped = session.tls === null ? [] : [
    logLine(
      `Anonymous TLS connection established from ${clientLabel(session)}: ${
        describeTls(session.tls)
      }`,
    ),
  ];
  if (activeSessions >= policy.default_process_limit) {
    return closeSession(session, [
      connected,
      logLine(
        `too many connections (default_process_limit ${policy.default_process_limit}), refusing ${
          clientLabel(session)
        }`,
        "warning",
      ),
      say(
        reply(421, "4.7.0", `${policy.myhostname} Error: too many connections`),
      ),
    ]);
  }
  if (stageHasList("connect", policy)) {
    // smtpd_delay_reject = no: the client list decides before the banner.
    const checking = checkRestrictions(session, { stage: "connect" });
    return {
      session: checking.session,
      actions: [connected, ...wrapped, ...checking.actions],
    };
  }
  const greeting = greet(session, policy);
  return {
    session: greeting.session,
    actions: [connected, ...wrapped, ...greeting.actions],
  };
}

/** The 220 banner. */
function greet(s: SmtpSession, policy: SessionPolicy): Transition {
  return { session: s, actions: [say(reply(220, null, policy.smtpd_banner))] };
}

function command(
  s: SmtpSession,
  line: string,
  policy: SessionPolicy,
): Transition {
  const text = line.replace(/^[ \t]+|[ \t]+$/g, "");
  const space = text.search(/[ \t]/);
  const word = (space < 0 ? text : text.slice(0, space)).toUpperCase();
  const argument = space < 0
    ? ""
    : text.slice(space + 1).replace(/^[ \t]+/, "");
  if (text === "") {
    return answer(
      { ...s, lastCommand: "UNKNOWN" },
      "unknown",
      reply(500, "5.5.2", "Error: bad syntax"),
    );
  }
  if (!isVerb(word)) {
    return answer(
      { ...s, lastCommand: "UNKNOWN" },
      "unknown",
      reply(502, "5.5.2", "Error: command not recognized"),
    );
  }
  const spec = COMMANDS[word];
  const session = { ...s, lastCommand: word };
  if (s.accessDenied && word !== "QUIT") {
    return answer(
      session,
      word.toLowerCase(),
      reply(503, "5.7.0", `Error: access denied for ${clientLabel(s)}`),
    );
  }
  const refusal = tlsRequired(session, word, policy) ?? spec.check(session);
  if (refusal !== null) return answer(session, word.toLowerCase(), refusal);
  return spec.proceed(session, argument, policy);
}

function recipientVerdict(
  s: SmtpSession,
  verdict: RecipientVerdict,
): Transition {
  const address = s.pendingRecipient ?? "";
  const dsn = s.pendingRecipientDsn;
  const session: SmtpSession = {
    ...s,
    phase: "command",
    pendingRecipient: null,
    pendingRecipientDsn: undefined,
    pendingVrfy: null,
  };
  if (s.pendingVrfy !== null) {
    return vrfyVerdict(session, verdict, address, s.pendingVrfy);
  }
  // "remote": not a domain delivered here; the restriction lists have
  // already permitted relaying to it.
  if (verdict.ok) {
    // An SRS address goes to its original sender, and stays as the ORCPT.
    const rewritten = verdict.ok === true ? verdict.address : undefined;
    return answer(session, "rcpt", reply(250, "2.1.5", "Ok"), {
      transaction: rewritten === undefined
        ? addRecipient(session.transaction, address, dsn)
        : addRecipient(session.transaction, rewritten, {
          ...dsn,
          orcpt: dsn?.orcpt ?? { type: "rfc822", address },
        }),
    });
  }
  const refusal = reply(
    verdict.code,
    verdict.dsn,
    `<${address}>: ${verdict.text}`,
  );
  return answer(session, "rcpt", refusal, {}, [
    rejectLogLine(session, "RCPT", refusal, address),
  ]);
}

function dataBegun(s: SmtpSession, queueId: string): Transition {
  const transaction = s.transaction && { ...s.transaction, queueId };
  return {
    // XFORWARD attributes serve one transaction, as in Postfix.
    session: { ...s, phase: "data", transaction, xforward: undefined },
    actions: [
      logLine(`${queueId}: client=${clientLogField(s)}${saslLogFields(s)}`),
      say(reply(354, null, "End data with <CR><LF>.<CR><LF>")),
      { type: "receive-data" },
    ],
  };
}

function dataEnd(
  s: SmtpSession,
  summary: DataSummary,
  policy: SessionPolicy,
): Transition {
  const session: SmtpSession = { ...s, lastCommand: "END-OF-MESSAGE" };
  const refusal = contentRefusal(summary, policy);
  if (refusal !== null) {
    const firstRecipient = s.transaction?.recipients[0] ?? "";
    return answer(endTransaction(session), "data", refusal, {}, [
      { type: "abort" },
      rejectLogLine(session, "END-OF-MESSAGE", refusal, firstRecipient),
    ]);
  }
  const queueId = s.transaction?.queueId;
  const checked = summary.content;
  if (checked?.refusal) {
    // Cleanup logged the reject line; the reply is its reason.
    const r = checked.refusal;
    return answer(
      endTransaction(session),
      "data",
      reply(r.code, r.dsn, r.text),
      {},
      [
        { type: "abort" },
      ],
    );
  }
  if (checked?.discard) {
    // DISCARD: acknowledged and thrown away (cleanup logged it).
    return answer(
      endTransaction(session),
      "data",
      reply(250, "2.0.0", `Ok: queued as ${queueId}`),
      {},
      [{ type: "abort" }],
    );
  }
  const actions: SessionAction[] = [];
  if (summary.messageId !== null) {
    actions.push(
      logLine(`${queueId}: message-id=${summary.messageId}`, "info", "cleanup"),
    );
  }
  const kept = checked?.hold ? heldByContent(session) : session;
  const next = stageHasList("end-of-data", policy)
    ? checkRestrictions(kept, { stage: "end-of-data" }, summary.size)
    : commit(kept);
  return { session: next.session, actions: [...actions, ...next.actions] };
}

/** The session with a HOLD from header_checks or body_checks. */
function heldByContent(s: SmtpSession): SmtpSession {
  const t = s.transaction;
  if (t === null) return s;
  const dispositions = [
    ...(t.dispositions ?? []),
    { action: "hold" as const, reason: "content checks" },
  ];
  return { ...s, transaction: { ...t, dispositions } };
}

/**
 * Makes the message durable; a discarded one (DISCARD action) is
 * acknowledged and thrown away instead, as Postfix's cleanup does.
 */
function commit(s: SmtpSession): Transition {
  if (discarded(s.transaction?.dispositions ?? [])) {
    const queueId = s.transaction?.queueId;
    return answer(
      endTransaction(s),
      "data",
      reply(250, "2.0.0", `Ok: queued as ${queueId}`),
      {},
      [
        { type: "abort" },
        logLine(`${queueId}: discard: message discarded by access rule`),
      ],
    );
  }
  const hold = held(s.transaction?.dispositions ?? []);
  return {
    session: { ...s, phase: "committing" },
    actions: [hold ? { type: "commit", hold } : { type: "commit" }],
  };
}

/** Why the content cannot be queued, or null if it can. */
function contentRefusal(
  summary: DataSummary,
  policy: SessionPolicy,
): Reply | null {
  if (summary.failure !== null) return queueFailureReply(summary.failure);
  if (summary.overLimit) {
    return reply(552, "5.3.4", "Error: message file too big");
  }
  if (summary.bareNewline && policy.smtpd_forbid_bare_newline === "reject") {
    return reply(550, "5.5.2", "Error: bare <CR> or <LF> received");
  }
  if (summary.longLine) {
    return reply(
      500,
      "5.5.0",
      "Error: message line too long (RFC 5321 section 4.5.3.1.6)",
    );
  }
  return null;
}

function queueFailureReply(failure: QueueFailure): Reply {
  return failure === "no-space"
    ? reply(452, "4.3.1", "Insufficient system storage")
    : reply(451, "4.3.0", "Error: queue file write error");
}

/** `, sasl_method=PLAIN, sasl_username=alice@example.com`, as Postfix logs it. */
function saslLogFields(s: SmtpSession): string {
  return s.authenticatedUser === null
    ? ""
    : `, sasl_method=${s.saslMethod}, sasl_username=${s.authenticatedUser}`;
}

function endTransaction(s: SmtpSession): SmtpSession {
  return { ...s, phase: "command", transaction: null };
}

function abortIfReceiving(s: SmtpSession): SessionAction[] {
  return s.phase === "data" ? [{ type: "abort" }] : [];
}
