/**
 * What access maps and policy services asked of the whole message, as
 * the queue file and the commit carry it.
 *
 * DESCRIPTION
 *   Restrictions may answer with dispositions (access(5)): HOLD puts the
 *   message in hold/ at commit (Postfix's cleanup does the same), FILTER
 *   transport:nexthop sends every recipient there (queue file `filter=`),
 *   REDIRECT address replaces all recipients with that one address. When
 *   several FILTER or REDIRECT actions fire, the last one counts, as in
 *   Postfix. DISCARD and PREPEND are handled where the message is
 *   committed and where the Received: header is written.
 *
 *   FILTER and REDIRECT shape the envelope, which is written when the
 *   queue file is opened at DATA; such an action from
 *   smtpd_end_of_data_restrictions comes too late and is logged as
 *   ignored (HOLD still applies there).
 *
 *   Used by the session (session.ts, commands.ts). Pure.
 */
import type { MessageDisposition } from "../policy/restrictions/mod.ts";

/** The envelope changes the dispositions ask for. */
export interface EnvelopeDispositions {
  /** The only recipient, when a REDIRECT fired. */
  readonly redirect?: string;
  /** `transport:nexthop`, when a FILTER fired. */
  readonly filter?: string;
}

/** The envelope changes of `dispositions` (the last FILTER, REDIRECT). */
export function envelopeDispositions(
  dispositions: readonly MessageDisposition[],
): EnvelopeDispositions {
  let redirect: string | undefined;
  let filter: string | undefined;
  for (const d of dispositions) {
    if (d.action === "redirect") redirect = stripBrackets(d.address);
    if (d.action === "filter") filter = d.transport;
  }
  return {
    ...(redirect === undefined ? {} : { redirect }),
    ...(filter === undefined ? {} : { filter }),
  };
}

/** Whether a HOLD fired: the commit goes to hold/. */
export function held(dispositions: readonly MessageDisposition[]): boolean {
  return dispositions.some((d) => d.action === "hold");
}

/** Whether a DISCARD fired: the message is thrown away after its 250. */
export function discarded(
  dispositions: readonly MessageDisposition[],
): boolean {
  return dispositions.some((d) => d.action === "discard");
}

/** Whether `d` changes the envelope (too late once the file is open). */
export function shapesEnvelope(d: MessageDisposition): boolean {
  return d.action === "filter" || d.action === "redirect";
}

function stripBrackets(address: string): string {
  const text = address.trim();
  return text.startsWith("<") && text.endsWith(">") ? text.slice(1, -1) : text;
}
