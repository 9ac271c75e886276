/**
 * Resubmission: a message re-enters the queue for new recipients.
 *
 * DESCRIPTION
 *   Local delivery forwards a message (an alias member on another host, a
 *   `.forward` address) by queueing it again, as Postfix's local(8) does
 *   through cleanup: `createResubmit(enqueue)` returns the `Resubmit`
 *   function (types.ts) that the local and virtual agents are given. It
 *   opens a new queue file through the gate (enqueue.ts), streams the
 *   content into it unchanged, byte for byte, and commits. It resolves to the new
 *   queue ID once the message is durable in incoming/, and logs
 *
 *     ID: forwarded as NEWID
 *
 *   (the text Postfix's local(8) puts in the `status=sent (…)` of the
 *   recipient that forwarded). The new message arrives with protocol
 *   FORWARD from localhost. Any failure discards the half-written file and
 *   rejects, so the forwarding recipient is deferred, not lost.
 *
 *   Used by the local and virtual delivery agents (forwarding, list
 *   expansion); needs the gate's permissions only.
 *
 *   The sender is the original's, or its SRS form when the message
 *   leaves the box (forward_sender.ts).
 *
 *   Does NOT expand aliases, add headers (Delivered-To: is the agent's),
 *   or detect loops.
 */
import { maillog } from "../log/maillog.ts";
import type { ForwardSender } from "./forward_sender.ts";
import type { Enqueue, Resubmit } from "./types.ts";

/**
 * The protocol recorded for mail that aliases, lists and .forward send on:
 * not `LOCAL`, so that nothing mistakes a forwarded stranger's message for
 * a local user's own submission (the DKIM signer does not sign it).
 */
export const FORWARDED_PROTOCOL = "FORWARD";

/**
 * The `Resubmit` of the delivery agents, writing through `enqueue`.
 * @param helo the HELO recorded in the new queue files (`myhostname`)
 * @param forwardSender decides the new sender (SRS, `forward_sender.ts`);
 *   absent, the sender is kept
 */
export function createResubmit(
  enqueue: Enqueue,
  helo = "localhost",
  forwardSender?: ForwardSender,
): Resubmit {
  return async (request) => {
    const sender = forwardSender
      ? await forwardSender(request.sender, request.recipients)
      : request.sender;
    const writer = await enqueue({
      sender,
      recipients: request.recipients,
      clientName: "localhost",
      clientAddress: "127.0.0.1",
      helo,
      protocol: FORWARDED_PROTOCOL,
      bodyType: request.bodyType,
    });
    try {
      for await (const chunk of await request.content()) {
        await writer.write(chunk);
      }
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    maillog("local").info(
      `${request.fromQueueId}: forwarded as ${writer.id}`,
    );
    if (sender !== request.sender) {
      maillog("local").info(
        `${writer.id}: srs: sender <${request.sender}> rewritten as <${sender}>`,
      );
    }
    return writer.id;
  };
}
