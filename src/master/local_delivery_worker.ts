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
 *   message brings (local_delivery_protocol.ts): each `deliver` is one
 *   recipient for the local, virtual or a pipe agent (local_agents.ts),
 *   run concurrently with the others; the answer is its result. The
 *   content is read from the queue file (small messages once per
 *   delivery, larger ones streamed at each open). Mail the agents forward
 *   (aliases, `.forward`, lists) is handed back as a `resubmit` with the
 *   content as a stream; the queue manager's thread writes it through
 *   its gate.
 *
 *   Does NOT resolve, schedule, record statuses, bounce or retry: the
 *   queue manager's thread does, from the answers. The master ends this
 *   thread when the queue manager's thread lets it go after max_idle, or
 *   ends.
 */
import type { Config } from "../config/types.ts";
import { createLocalAgent, type LocalAgent } from "../delivery/local_agents.ts";
import type { Resubmit } from "../queue/enqueue.ts";
import { configureLogging } from "./logging.ts";
import type {
  FromLocalDelivery,
  LocalDeliveryAnswer,
  LocalDeliveryRequest,
  ToLocalDelivery,
} from "./local_delivery_protocol.ts";
import { errorOfWire, wireError } from "./smtp_client_protocol.ts";
import { reportCrashes } from "./thread_crash.ts";
import { contentOf } from "./wire_content.ts";

/** The worker global, as far as this thread uses it. */
const thread = self as unknown as {
  postMessage(message: FromLocalDelivery): void;
  onmessage: ((event: MessageEvent<ToLocalDelivery>) => void) | null;
};

reportCrashes();

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

/** Serves the queue manager's requests on `port`. */
function serve(port: MessagePort): void {
  let config: Config | undefined;
  const resubmits = new Map<number, Waiting>();
  const agent: LocalAgent = createLocalAgent({
    resubmit: resubmitThrough(port, resubmits),
  });
  const answer = (message: LocalDeliveryAnswer) => port.postMessage(message);
  port.onmessage = (event: MessageEvent<LocalDeliveryRequest>) => {
    const asked = event.data;
    if (asked.kind !== "deliver") {
      const waiting = resubmits.get(asked.resubmit);
      resubmits.delete(asked.resubmit);
      if (asked.kind === "resubmitted") waiting?.resolve(asked.id);
      else waiting?.reject(errorOfWire(asked.error));
      return;
    }
    if (asked.config !== undefined) config = asked.config;
    const { request } = asked;
    const { bytes: _, ...rest } = asked.agent.message;
    const message = { ...rest, content: contentOf(asked.agent.message) };
    agent({ ...asked.agent, message }, config!).then(
      (result) => answer({ kind: "delivered", request, result }),
      (error) => answer({ kind: "failed", request, error: wireError(error) }),
    );
  };
}

thread.onmessage = async (event) => {
  const { config, foreground, port } = event.data;
  try {
    await configureLogging(
      config,
      foreground,
      (message) => thread.postMessage({ kind: "syslog", message }),
    );
  } catch (error) {
    port.close();
    return thread.postMessage({
      kind: "failed",
      error: error instanceof Error ? error.message : String(error),
    });
  }
  serve(port);
};
