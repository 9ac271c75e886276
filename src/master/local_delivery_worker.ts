/**
 * The local delivery thread (Postfix's local(8), virtual(8) and pipe(8)).
 *
 * DESCRIPTION
 *   Runs in a Worker the master starts with the `local` role's grants
 *   (role_permissions.ts): it may read the queue files being delivered,
 *   the delivery tables, passwd and `.forward` files, write the mail
 *   spool, the virtual mailbox base, the mail users' homes and the alias
 *   file targets, and run the configured commands, setpriv and kill(1);
 *   it has no net and writes nothing in the queue. So the code that
 *   writes mailboxes and runs commands cannot reach the network, and the
 *   queue manager's own code can do neither.
 *
 *   It serves the queue manager's thread over the port the `start`
 *   message brings (local_delivery_protocol.ts, worker_serve.ts): each
 *   `deliver` is one recipient for the local, virtual or a pipe agent
 *   (local_agents.ts), run concurrently with the others; the answer is
 *   its result. The content is read from the queue file (small messages
 *   once per delivery, larger ones streamed at each open). Mail the
 *   agents forward (aliases, `.forward`, lists) is handed back as a
 *   `resubmit` with the content as a stream; the queue manager's thread
 *   writes it through its gate.
 *
 *   Does NOT resolve, schedule, record statuses, bounce or retry: the
 *   queue manager's thread does, from the answers. The master ends this
 *   thread when the queue manager's thread lets it go after max_idle, or
 *   ends.
 */
import { createLocalAgent } from "../delivery/local_agents.ts";
import type { Resubmit } from "../queue/enqueue.ts";
import type {
  LocalDeliveryAnswer,
  LocalDeliveryRequest,
} from "./local_delivery_protocol.ts";
import { errorOfWire, wireError } from "./smtp_client_protocol.ts";
import { contentOf } from "./wire_content.ts";
import { serveRequests, serveWhenStarted } from "./worker_serve.ts";

/** A delivery request, its answer, and the replies to resubmissions. */
type Delivery = Extract<LocalDeliveryRequest, { kind: "deliver" }>;
type Delivered = Exclude<LocalDeliveryAnswer, { kind: "resubmit" | "written" }>;
type Reply = Exclude<LocalDeliveryRequest, Delivery>;

interface Waiting {
  readonly resolve: (id: string) => void;
  readonly reject: (error: Error) => void;
}

/** Resubmission through the queue manager's thread, over `port`. */
function resubmitThrough(
  port: MessagePort,
  waiting: Map<number, Waiting>,
): Resubmit {
  let resubmits = 0;
  return async (request) => {
    const content = await request.content();
    const resubmit = ++resubmits;
    const asked: LocalDeliveryAnswer = {
      kind: "resubmit",
      resubmit,
      sender: request.sender,
      recipients: [...request.recipients],
      fromQueueId: request.fromQueueId,
      ...(request.bodyType === undefined ? {} : { bodyType: request.bodyType }),
      content,
    };
    return await new Promise<string>((resolve, reject) => {
      waiting.set(resubmit, { resolve, reject });
      port.postMessage(asked, [content]);
    });
  };
}

serveWhenStarted((port) => {
  const resubmits = new Map<number, Waiting>();
  const agent = createLocalAgent({
    resubmit: resubmitThrough(port, resubmits),
  });
  // Sent at once: it must reach the queue manager before the answer.
  const written = (delivery: number) => {
    const notice: LocalDeliveryAnswer = { kind: "written", delivery };
    port.postMessage(notice);
  };
  serveRequests<Delivery, Delivered, Reply>(port, {
    screen: (asked): asked is Reply => {
      if (asked.kind === "deliver") return false;
      const waiting = resubmits.get(asked.resubmit);
      resubmits.delete(asked.resubmit);
      if (asked.kind === "resubmitted") waiting?.resolve(asked.id);
      else waiting?.reject(errorOfWire(asked.error));
      return true;
    },
    answer: async (asked, config) => {
      const { bytes: _, ...rest } = asked.agent.message;
      const message = { ...rest, content: contentOf(asked.agent.message) };
      const result = await agent(
        asked.agent.kind === "local"
          ? { ...asked.agent, message, written: () => written(asked.request) }
          : { ...asked.agent, message },
        config,
      );
      return { kind: "delivered", result };
    },
    failure: (error) => ({ kind: "failed", error: wireError(error) }),
  });
});
