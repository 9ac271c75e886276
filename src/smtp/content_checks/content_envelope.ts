/**
 * The envelope a message is committed with after its content checks.
 *
 * DESCRIPTION
 *   REDIRECT, BCC and FILTER from header_checks or body_checks change the
 *   envelope after the queue file's header was written (the file is
 *   opened at DATA, the checks run on the content). `checkedEnvelope`
 *   returns the envelope the queue writer must commit instead, or null
 *   when nothing changed:
 *
 *     REDIRECT addr   addr becomes the only recipient (BCCs included,
 *                     as Postfix's cleanup redirects every recipient it
 *                     writes); the DSN parameters of the old ones go
 *     BCC addr        addr is added, unless already a recipient
 *     FILTER t:d      the queue file's filter= (version 3)
 *
 *   Pure; used by smtpd's connection adapter.
 */
import type { NewEnvelope } from "../../queue/enqueue.ts";
import type { ContentVerdict } from "./content_inspector.ts";

/** The envelope after `verdict`, or null if it is unchanged. */
export function checkedEnvelope(
  envelope: NewEnvelope,
  verdict: ContentVerdict,
): NewEnvelope | null {
  const added = verdict.bcc.filter((a) => !envelope.recipients.includes(a));
  if (
    verdict.redirect === undefined && verdict.filter === undefined &&
    added.length === 0
  ) {
    return null;
  }
  if (verdict.redirect !== undefined) {
    const { recipientDsn: _dropped, ...rest } = envelope;
    return {
      ...rest,
      recipients: [verdict.redirect],
      ...(verdict.filter === undefined ? {} : { filter: verdict.filter }),
    };
  }
  return {
    ...envelope,
    recipients: [...envelope.recipients, ...added],
    ...(verdict.filter === undefined ? {} : { filter: verdict.filter }),
  };
}
