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
 *   message brings (smtp_client_protocol.ts, worker_serve.ts): each
 *   `deliver` is one transaction, run by the SMTP agent with DKIM signing
 *   in front (delivery/smtp/signing_agent.ts), concurrently with the
 *   others; the answer is each recipient's result. The message content
 *   is read from the queue file (small messages once, larger ones
 *   streamed at each open). Cached sessions (session_cache.ts) live here
 *   between transactions.
 *
 *   Does NOT record statuses, bounce, retry or schedule: the queue
 *   manager's thread does, from the answers. The master ends this thread
 *   when the queue manager's thread lets it go after max_idle, or ends.
 */
import { createDkimSigning } from "../delivery/dkim_signing.ts";
import { createSigningAgent } from "../delivery/smtp/signing_agent.ts";
import {
  createSmtpAgent,
  type SmtpMessage,
} from "../delivery/smtp/smtp_agent.ts";
import { createMapCache } from "../maps/mod.ts";
import {
  type SmtpClientAnswer,
  type SmtpClientRequest,
  wireError,
} from "./smtp_client_protocol.ts";
import { contentOf } from "./wire_content.ts";
import { serveRequests, serveWhenStarted } from "./worker_serve.ts";

serveWhenStarted((port) => {
  const agent = createSigningAgent(
    createSmtpAgent({ maps: createMapCache() }),
    createDkimSigning(),
  );
  serveRequests<SmtpClientRequest, SmtpClientAnswer>(port, {
    answer: async (asked, config) => {
      const { bytes: _, ...rest } = asked.message;
      const message: SmtpMessage = {
        ...rest,
        content: contentOf(asked.message),
      };
      const delivery = await agent(
        message,
        asked.nexthop,
        config,
        asked.service,
      );
      return { kind: "delivered", delivery };
    },
    failure: (error) => ({ kind: "failed", error: wireError(error) }),
  });
});
