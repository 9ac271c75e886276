/**
 * The SMTP and LMTP client's thread (Postfix's smtp(8) and lmtp(8)).
 *
 * DESCRIPTION
 *   Runs in a Worker the master starts with the `smtp` role's grants
 *   (role_permissions.ts): it may connect anywhere and read the queue's
 *   active/ files, the CA file, the SASL password table, the DKIM keys
 *   and resolv.conf; it writes nothing but its log and runs nothing. So
 *   the code that talks to remote servers and parses their replies
 *   cannot touch a mailbox or the queue.
 *
 *   It serves the queue manager's thread over the port the `start`
 *   message brings (smtp_client_protocol.ts): each `deliver` is one
 *   transaction, run by the SMTP agent with DKIM signing in front
 *   (delivery/smtp/signing_agent.ts), concurrently with the others; the
 *   answer is each recipient's result. The message content is read from
 *   the queue file (small messages once, larger ones streamed at each
 *   open). Cached sessions (session_cache.ts) live here between
 *   transactions.
 *
 *   Does NOT record statuses, bounce, retry or schedule: the queue
 *   manager's thread does, from the answers. The master ends this thread
 *   when the queue manager's thread lets it go after max_idle, or ends.
 */
import type { Config } from "../config/types.ts";
import { createDkimSigning } from "../delivery/dkim_signing.ts";
import { createSigningAgent } from "../delivery/smtp/signing_agent.ts";
import {
  createSmtpAgent,
  type SmtpAgent,
  type SmtpMessage,
} from "../delivery/smtp/smtp_agent.ts";
import { createMapCache } from "../maps/mod.ts";
import { configureLogging } from "./logging.ts";
import {
  type FromSmtpClient,
  type SmtpClientAnswer,
  type SmtpClientRequest,
  type ToSmtpClient,
  wireError,
} from "./smtp_client_protocol.ts";
import { reportCrashes } from "./thread_crash.ts";
import { contentOf } from "./wire_content.ts";

/** The worker global, as far as this thread uses it. */
const thread = self as unknown as {
  postMessage(message: FromSmtpClient): void;
  onmessage: ((event: MessageEvent<ToSmtpClient>) => void) | null;
};

reportCrashes();

/** Serves the queue manager's requests on `port` with `agent`. */
function serve(port: MessagePort, agent: SmtpAgent): void {
  let config: Config | undefined;
  const answer = (message: SmtpClientAnswer) => port.postMessage(message);
  port.onmessage = (event: MessageEvent<SmtpClientRequest>) => {
    const asked = event.data;
    if (asked.config !== undefined) config = asked.config;
    const { request } = asked;
    const { bytes: _, ...rest } = asked.message;
    const message: SmtpMessage = { ...rest, content: contentOf(asked.message) };
    agent(message, asked.nexthop, config!, asked.service).then(
      (delivery) => answer({ kind: "delivered", request, delivery }),
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
  const agent = createSigningAgent(
    createSmtpAgent({ maps: createMapCache() }),
    createDkimSigning(),
  );
  serve(port, agent);
};
