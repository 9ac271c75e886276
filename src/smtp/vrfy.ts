/**
 * VRFY, answered as Postfix's smtpd does with `disable_vrfy_command = no`.
 *
 * DESCRIPTION
 *   Postfix puts the VRFY argument through the same recipient check as
 *   RCPT TO, so an unknown local or virtual user gets RCPT's refusal
 *
 *     550 5.1.1 <bob@example.org>: Recipient address rejected: User
 *     unknown in local recipient table
 *
 *   logged as `NOQUEUE: reject: VRFY from …`, and anything else gets
 *   `252 2.0.0 <the argument as given>` (RFC 5321 section 3.5.3: cannot
 *   verify, but will accept and attempt delivery). `vrfy` starts the
 *   check (the session's `verify-recipient` action, as for RCPT);
 *   `vrfyVerdict` answers once the verifier has spoken.
 *
 *   Used by the smtpd command table and session. Pure.
 *
 *   Does NOT apply the relay restrictions (a remote address gets 252) or
 *   offer a way to disable VRFY.
 *
 * STANDARDS
 *   RFC 5321 sections 3.5.1, 3.5.3, 4.1.1.6.
 */
import type {
  RecipientVerdict,
  SessionPolicy,
  SmtpSession,
  Transition,
} from "./session_types.ts";
import { formatMailbox, parsePath } from "./address.ts";
import { printable, reply } from "./replies.ts";
import { resolveAddress } from "../resolve/resolve_address.ts";
import { answer, rejectLogLine } from "./transitions.ts";

/** Proceeds with `VRFY argument`. */
export function vrfy(
  s: SmtpSession,
  argument: string,
  policy: SessionPolicy,
): Transition {
  if (argument === "") {
    return answer(s, "vrfy", reply(501, "5.5.4", "Syntax: VRFY address"));
  }
  const parsed = parsePath(argument, { allowNull: false });
  if (!parsed.ok || parsed.path.mailbox === null || parsed.parameters) {
    return answer(
      s,
      "vrfy",
      reply(501, "5.1.3", "Bad recipient address syntax"),
    );
  }
  const mailbox = parsed.path.mailbox;
  // Resolved as RCPT resolves it (without tables; the verifier decides).
  const recipient = resolveAddress(
    {
      address: formatMailbox(mailbox),
      sourceRoute: parsed.path.sourceRoute,
    },
    policy,
    { virtualMailboxDomain: false },
  );
  const mayBeVirtual = recipient.addressClass === "remote" &&
    policy.virtual_mailbox_domains.length > 0;
  const local = recipient.addressClass === "local" && !recipient.postmaster;
  if (!local && !mayBeVirtual) {
    return answer(s, "vrfy", reply(252, "2.0.0", printable(argument)));
  }
  return {
    session: {
      ...s,
      phase: "verifying",
      pendingRecipient: recipient.address,
      pendingVrfy: printable(argument),
    },
    actions: [{ type: "verify-recipient", address: recipient.address }],
  };
}

/**
 * Answers a VRFY once its address is verified.
 * @param s the session, back in the command phase, nothing pending
 * @param echo the argument as the client gave it
 */
export function vrfyVerdict(
  s: SmtpSession,
  verdict: RecipientVerdict,
  address: string,
  echo: string,
): Transition {
  if (verdict.ok !== false) {
    return answer(s, "vrfy", reply(252, "2.0.0", echo));
  }
  const refusal = reply(
    verdict.code,
    verdict.dsn,
    `<${address}>: ${verdict.text}`,
  );
  return answer(s, "vrfy", refusal, {}, [
    rejectLogLine(s, "VRFY", refusal, address),
  ]);
}
