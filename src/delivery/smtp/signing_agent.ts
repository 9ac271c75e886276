/**
 * The SMTP client with DKIM signing in front (OpenDKIM as a milter on
 * Postfix's outbound path).
 *
 * DESCRIPTION
 *   `createSigningAgent(agent, sign)` returns an agent that hands each
 *   message for plain SMTP (no named `[[transport]]`) through `sign`
 *   (`../dkim_signing.ts`) and then to `agent`. Mail for a named
 *   transport (a content filter, LMTP) goes out unsigned, as before: it
 *   comes back through the queue and is signed when it leaves.
 *
 *   Signing sits here, beside the client, so that the thread that
 *   connects out is the one that reads the keys: under the daemon that is
 *   the SMTP client's Worker, not the queue manager's.
 *
 *   Does NOT decide whether a message is signed (`dkim_signing.ts` does).
 */
import type { DkimSigning } from "../dkim_signing.ts";
import type { SmtpAgent } from "./smtp_agent.ts";

/** Wraps `agent` so that plain SMTP mail is signed first. */
export function createSigningAgent(
  agent: SmtpAgent,
  sign: DkimSigning,
): SmtpAgent {
  return async (message, nexthop, config, service) =>
    await agent(
      service === undefined ? await sign(message, config) : message,
      nexthop,
      config,
      service,
    );
}
