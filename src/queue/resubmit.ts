/**
 * Resubmission: a message re-enters the queue for new recipients.
 *
 * DESCRIPTION
 *   Local delivery forwards a message (an alias member on another host, a
 *   `.forward` address) by queueing it again, as Postfix's local(8) does
 *   through cleanup: `createResubmit(store)` returns the `Resubmit`
 *   function of src/delivery/local_types.ts, which opens a new queue file
 *   through `QueueStore.openWriter` (the single gate), streams the content
 *   into it unchanged, byte for byte, and commits. It resolves to the new
 *   queue ID once the message is durable in incoming/, and logs
 *
 *     ID: forwarded as NEWID
 *
 *   (the text Postfix's local(8) puts in the `status=sent (…)` of the
 *   recipient that forwarded). The new message arrives with protocol
 *   LOCAL from localhost. Any failure discards the half-written file and
 *   rejects, so the forwarding recipient is deferred, not lost.
 *
 *   Used by the local delivery agent; needs the queue store's
 *   permissions only.
 *
 *   Does NOT expand aliases, add headers (Delivered-To: is the agent's),
 *   or detect loops.
 */
import type { Resubmit } from "../delivery/local_types.ts";
import { maillog } from "../log/maillog.ts";
import type { QueueStore } from "./store.ts";

/**
 * The `Resubmit` of local delivery, writing into `store`.
 * @param helo the HELO recorded in the new queue files (`myhostname`)
 */
export function createResubmit(
  store: QueueStore,
  helo = "localhost",
): Resubmit {
  return async (request) => {
    const writer = await store.openWriter({
      sender: request.sender,
      recipients: request.recipients,
      clientName: "localhost",
      clientAddress: "127.0.0.1",
      helo,
      protocol: "LOCAL",
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
    return writer.id;
  };
}
