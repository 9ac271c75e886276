/**
 * Building blocks of smtpd session transitions.
 *
 * DESCRIPTION
 *   Small pure helpers shared by the session (`session.ts`) and its
 *   command table (`commands.ts`): answering a command (which also counts
 *   it for the disconnect line and counts error replies), ending the
 *   session, and the Postfix-style maillog lines (`connect from`,
 *   `NOQUEUE: reject: MAIL|RCPT from …`, `disconnect from … commands=N`).
 *
 *   Pure.
 */
import type { RecipientDsn } from "../queue/enqueue.ts";
import type {
  CommandCount,
  SessionAction,
  SmtpSession,
  Transaction,
  Transition,
} from "./session_types.ts";
import { printable, type Reply, replyLogText } from "./replies.ts";

/** Command names in the order of the disconnect line (as Postfix orders them). */
const COUNT_ORDER = [
  "helo",
  "ehlo",
  "starttls",
  "auth",
  "mail",
  "rcpt",
  "data",
  "rset",
  "noop",
  "vrfy",
  "help",
  "quit",
  "unknown",
];

/** `NAME[ADDR]`, as maillog lines name a client. */
export function clientLabel(s: SmtpSession): string {
  return `${s.client.name}[${s.client.address}]`;
}

/** A reply action that is not the final answer to a command (greeting, 354, 421). */
export function say(r: Reply): SessionAction {
  return { type: "reply", reply: r };
}

/** A maillog action. */
export function logLine(
  text: string,
  level: "info" | "warning" = "info",
  program: "smtpd" | "cleanup" = "smtpd",
): SessionAction {
  return { type: "log", program, level, text };
}

/**
 * The final answer to a command: applies `changes`, counts the command
 * (and the reply if it is an error), and replies after `actions`.
 * @param command counter name: `mail`, `rcpt`, …, `unknown`
 */
export function answer(
  session: SmtpSession,
  command: string,
  r: Reply,
  changes: Partial<SmtpSession> = {},
  actions: readonly SessionAction[] = [],
): Transition {
  const before: CommandCount = session.counts[command] ?? { ok: 0, total: 0 };
  const ok = r.code < 400;
  return {
    session: {
      ...session,
      ...changes,
      counts: {
        ...session.counts,
        [command]: { ok: before.ok + (ok ? 1 : 0), total: before.total + 1 },
      },
      errors: session.errors + (ok ? 0 : 1),
    },
    actions: [...actions, say(r)],
  };
}

/** Ends the session: `actions`, then the disconnect line, then close. */
export function closeSession(
  session: SmtpSession,
  actions: readonly SessionAction[],
): Transition {
  return {
    session: {
      ...session,
      phase: "closed",
      transaction: null,
      pendingRecipient: null,
      pendingVrfy: null,
      sasl: null,
    },
    actions: [
      ...actions,
      logLine(
        `disconnect from ${clientLabel(session)} ${
          formatCounts(session.counts)
        }`,
      ),
      { type: "close" },
    ],
  };
}

/** `ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4`, as Postfix's disconnect line. */
export function formatCounts(
  counts: Readonly<Record<string, CommandCount>>,
): string {
  const fields: string[] = [];
  let ok = 0;
  let total = 0;
  for (const name of COUNT_ORDER) {
    const count = counts[name];
    if (count === undefined) continue;
    fields.push(`${name}=${ratio(count)}`);
    ok += count.ok;
    total += count.total;
  }
  fields.push(`commands=${ratio({ ok, total })}`);
  return fields.join(" ");
}

function ratio(c: CommandCount): string {
  return c.ok === c.total ? String(c.ok) : `${c.ok}/${c.total}`;
}

/**
 * A Postfix reject line:
 * `NOQUEUE: reject: RCPT from NAME[ADDR]: 554 5.7.1 …; from=<a> to=<b> proto=ESMTP helo=<h>`.
 * As Postfix's smtpd logs it, `from=` is there once MAIL was accepted and
 * `to=` when a recipient is concerned: a MAIL rejection has neither.
 * @param stage `MAIL`, `RCPT` or `END-OF-MESSAGE`
 */
export function rejectLogLine(
  s: SmtpSession,
  stage: string,
  r: Reply,
  recipient?: string,
): SessionAction {
  const queueId = s.transaction?.queueId ?? "NOQUEUE";
  const from = s.transaction ? ` from=<${s.transaction.sender}>` : "";
  const to = recipient === undefined ? "" : ` to=<${recipient}>`;
  return logLine(
    `${queueId}: reject: ${stage} from ${clientLabel(s)}: ${
      replyLogText(r)
    };${from}${to} proto=${s.protocol} helo=<${printable(s.helo ?? "")}>`,
  );
}

/**
 * Adds `address` to the transaction's recipients unless it is there
 * already (then its first RCPT's DSN parameters stay).
 * @param dsn its RCPT TO NOTIFY= and ORCPT=, if any
 */
export function addRecipient(
  t: Transaction | null,
  address: string,
  dsn: RecipientDsn = {},
): Transaction | null {
  if (t === null || t.recipients.includes(address)) return t;
  const recipients = [...t.recipients, address];
  if (dsn.notify === undefined && dsn.orcpt === undefined) {
    return { ...t, recipients };
  }
  const recipientDsn = new Map(t.recipientDsn ?? []).set(address, dsn);
  return { ...t, recipients, recipientDsn };
}
