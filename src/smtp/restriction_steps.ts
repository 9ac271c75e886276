/**
 * The session's side of restriction lists: asking, and acting on the
 * verdict.
 *
 * DESCRIPTION
 *   The session cannot wait for tables, DNS or a policy service, so at
 *   RCPT TO (and DATA, and the end of the message, when those lists are
 *   set; at connect, HELO and MAIL with `smtpd_delay_reject = no`) it
 *   enters phase `checking` with a `check-restrictions` action
 *   carrying a `RestrictionRequest` built from its own state. The
 *   adapter evaluates the lists (src/policy/restrictions/) and answers
 *   with a `restriction-verdict` event; `restrictionVerdict` then logs
 *   the warnings and either refuses (Postfix's `NOQUEUE: reject:` line)
 *   or carries on with what was pending: the recipient verifier or the
 *   recipient's 250, opening the queue file, committing the message.
 *
 *   A DISCARD disposition is honoured here: the message is acknowledged
 *   and thrown away, as Postfix's cleanup does; PREPEND headers are
 *   written above the Received: header by the adapter. HOLD, FILTER and
 *   REDIRECT are kept on the transaction, logged, and applied to the
 *   envelope and the commit (message_dispositions.ts).
 *
 *   Used by the session (`session.ts`) and its command table. Pure.
 */
import type {
  RestrictionRequest,
  RestrictionStage,
  RestrictionVerdict,
} from "../policy/restrictions/mod.ts";
import { reply } from "./replies.ts";
import type {
  PendingCheck,
  SessionAction,
  SessionPolicy,
  SmtpSession,
  Transition,
} from "./session_types.ts";
import {
  addRecipient,
  answer,
  clientLabel,
  logLine,
  rejectLogLine,
} from "./transitions.ts";
import { shapesEnvelope } from "./message_dispositions.ts";

/** The request for the restriction lists of `stage`. */
export function restrictionRequest(
  s: SmtpSession,
  stage: RestrictionStage,
  recipient: string | null,
  size = 0,
): RestrictionRequest {
  return {
    stage,
    clientAddress: s.client.address,
    clientName: s.client.name,
    reverseClientName: s.client.reverseName ?? s.client.name,
    clientNameTempfail: s.client.nameTempfail ?? false,
    helo: s.helo,
    sender: s.transaction?.sender ?? null,
    recipient,
    authenticatedUser: s.authenticatedUser,
    protocol: s.protocol,
    pipelined: s.pipelined,
    ehlo: s.protocol === "ESMTP",
    recipientCount: s.transaction?.recipients.length ?? 0,
    queueId: s.transaction?.queueId ?? null,
    size,
    popBeforeSmtp: s.clientPopBeforeSmtp,
  };
}

/** A permitted check whose command goes on elsewhere (session.ts). */
export type ProceedingCheck = Exclude<
  PendingCheck,
  { readonly stage: "rcpt" | "mail" }
>;

/** Enters phase `checking` for `pending`, asking for the stage's lists. */
export function checkRestrictions(
  s: SmtpSession,
  pending: PendingCheck,
  size = 0,
): Transition {
  const recipient = pending.stage === "rcpt" ? pending.given : null;
  return {
    session: { ...s, phase: "checking", pendingCheck: pending },
    actions: [{
      type: "check-restrictions",
      request: restrictionRequest(s, pending.stage, recipient, size),
    }],
  };
}

/**
 * Whether a stage has something to check (else no round trip): a list,
 * or at MAIL the client message rate. With `smtpd_delay_reject = no` the
 * client list runs at connect, the HELO list at HELO/EHLO and the sender
 * list at MAIL, as in Postfix.
 */
export function stageHasList(
  stage: "connect" | "helo" | "mail" | "data" | "end-of-data",
  policy: SessionPolicy,
): boolean {
  switch (stage) {
    case "connect":
      return !policy.smtpd_delay_reject &&
        policy.smtpd_client_restrictions.length > 0;
    case "helo":
      return !policy.smtpd_delay_reject &&
        policy.smtpd_helo_restrictions.length > 0;
    case "mail":
      return policy.smtpd_client_message_rate_limit > 0 ||
        (!policy.smtpd_delay_reject &&
          policy.smtpd_sender_restrictions.length > 0);
    case "data":
      return policy.smtpd_data_restrictions.length > 0;
    case "end-of-data":
      return policy.smtpd_end_of_data_restrictions.length > 0;
  }
}

/** The verb logged in `reject:` lines for a stage. */
const STAGE_VERB: Readonly<Record<RestrictionStage, string>> = {
  connect: "CONNECT",
  helo: "HELO",
  mail: "MAIL",
  rcpt: "RCPT",
  data: "DATA",
  "end-of-data": "END-OF-MESSAGE",
};

/** The command counter a stage's reply counts against. */
const STAGE_COUNTER: Readonly<Record<RestrictionStage, string>> = {
  connect: "unknown",
  helo: "helo",
  mail: "mail",
  rcpt: "rcpt",
  data: "data",
  "end-of-data": "data",
};

/**
 * Acts on a verdict: refuses, or resumes what was pending.
 * @param proceed how a permitted connection, HELO, DATA or end of data
 *   goes on
 */
export function restrictionVerdict(
  s: SmtpSession,
  verdict: RestrictionVerdict,
  proceed: (s: SmtpSession, pending: ProceedingCheck) => Transition,
): Transition {
  const pending = s.pendingCheck;
  if (pending === null) throw new Error("restriction verdict without a check");
  const session: SmtpSession = {
    ...s,
    phase: pending.stage === "end-of-data" ? "data" : "command",
    pendingCheck: null,
  };
  const verb = STAGE_VERB[pending.stage];
  const recipient = pending.stage === "rcpt" ? pending.given : undefined;
  const logs: SessionAction[] = verdict.warnings.map((w) =>
    warningLine(session, verb, w.kind, w.text, recipient)
  );
  if (verdict.refusal !== null) {
    const r = verdict.refusal;
    const refusal = reply(r.code, r.dsn, r.text);
    const aborted = pending.stage === "end-of-data" || pending.stage === "mail"
      ? { phase: "command" as const, transaction: null }
      : pending.stage === "data"
      ? { transaction: s.transaction }
      : pending.stage === "connect"
      ? { accessDenied: true }
      : pending.stage === "helo"
      ? { helo: pending.previousHelo }
      : {};
    return answer(session, STAGE_COUNTER[pending.stage], refusal, aborted, [
      ...logs,
      ...(pending.stage === "end-of-data" ? [{ type: "abort" } as const] : []),
      rejectLogLine(session, verb, refusal, recipient),
    ]);
  }
  const dispositions = [
    ...(s.transaction?.dispositions ?? []),
    ...verdict.dispositions,
  ];
  const transaction = s.transaction && verdict.dispositions.length > 0
    ? { ...s.transaction, dispositions }
    : s.transaction;
  for (const d of verdict.dispositions) {
    logs.push(dispositionLine(session, verb, d.action, recipient));
    if (pending.stage === "end-of-data" && shapesEnvelope(d)) {
      logs.push(logLine(
        `${s.transaction?.queueId}: ${d.action.toUpperCase()} action from ` +
          "smtpd_end_of_data_restrictions ignored: the envelope is written " +
          "at DATA; use it in an earlier restriction list",
        "warning",
      ));
    }
  }
  const next = { ...session, transaction };
  if (pending.stage === "rcpt") {
    if (pending.verify) {
      return {
        session: {
          ...next,
          phase: "verifying",
          pendingRecipient: pending.address,
          pendingRecipientDsn: pending.dsn,
        },
        actions: [...logs, {
          type: "verify-recipient",
          address: pending.address,
        }],
      };
    }
    return answer(next, "rcpt", reply(250, "2.1.5", "Ok"), {
      transaction: addRecipient(
        next.transaction,
        pending.address,
        pending.dsn,
      ),
    }, logs);
  }
  if (pending.stage === "mail") {
    return answer(next, "mail", reply(250, "2.1.0", "Ok"), {}, logs);
  }
  const t = proceed(next, pending);
  return { session: t.session, actions: [...logs, ...t.actions] };
}

function warningLine(
  s: SmtpSession,
  verb: string,
  kind: "reject_warning" | "warn",
  text: string,
  recipient: string | undefined,
): SessionAction {
  return logLine(
    `${s.transaction?.queueId ?? "NOQUEUE"}: ${kind}: ${verb} from ${
      clientLabel(s)
    }: ${text};${envelopeFields(s, recipient)}`,
  );
}

function dispositionLine(
  s: SmtpSession,
  verb: string,
  action: string,
  recipient: string | undefined,
): SessionAction {
  return logLine(
    `${s.transaction?.queueId ?? "NOQUEUE"}: ${action}: ${verb} from ${
      clientLabel(s)
    }: triggers ${action.toUpperCase()} action;${envelopeFields(s, recipient)}`,
  );
}

function envelopeFields(s: SmtpSession, recipient: string | undefined): string {
  const from = s.transaction ? ` from=<${s.transaction.sender}>` : "";
  const to = recipient === undefined ? "" : ` to=<${recipient}>`;
  return `${from}${to} proto=${s.protocol} helo=<${s.helo ?? ""}>`;
}
