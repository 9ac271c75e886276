/**
 * smtpd_junk_command_limit: NOOP, VRFY, ETRN and RSET past the limit
 * count as errors, as Postfix's smtpd counts them.
 *
 * DESCRIPTION
 *   A client that keeps a session alive with commands that do nothing is
 *   eventually disconnected by smtpd_hard_error_limit: once it has sent
 *   more than smtpd_junk_command_limit of these commands, each further
 *   one adds an error (Postfix: `junk_cmds++ > var_smtpd_junk_cmd_limit`).
 *   Under stress the limit is 1 (`stress.ts`).
 *
 *   Used by the session (`session.ts`). Pure.
 */
import type { SmtpSession, Transition } from "./session_types.ts";

/** The command counters (`answer`'s names) of the junk commands. */
const JUNK = ["noop", "vrfy", "etrn", "rset"] as const;

function junkCommands(session: SmtpSession): number {
  let n = 0;
  for (const name of JUNK) n += session.counts[name]?.total ?? 0;
  return n;
}

/**
 * `result` of a step from `before`, with one more error when the step
 * answered a junk command and the client had already sent more than
 * `limit` of them.
 */
export function countJunkCommand(
  before: SmtpSession,
  result: Transition,
  limit: number,
): Transition {
  const sent = junkCommands(before);
  if (junkCommands(result.session) <= sent || sent <= limit) return result;
  return {
    ...result,
    session: { ...result.session, errors: result.session.errors + 1 },
  };
}
