/**
 * What a delivery agent's Worker (the SMTP client's, local delivery's)
 * and the parent that starts it say to each other (agent_threads.ts).
 * What the agent and the queue manager's thread say over their channel
 * is each agent's own protocol (smtp_client_protocol.ts,
 * local_delivery_protocol.ts).
 */
import type { Config } from "../config/types.ts";

/** From the parent to an agent's Worker. */
export type ToAgentWorker = {
  /** Configure logging and serve `port` (once, first). */
  readonly kind: "start";
  readonly config: Config;
  /** Log to stderr too (`mailsrv run`). */
  readonly foreground: boolean;
  /** The queue manager's thread's end of the channel. */
  readonly port: MessagePort;
};

/** From an agent's Worker to the parent. */
export type FromAgentWorker =
  /** The start failed (the queue manager's requests are failed). */
  | { readonly kind: "failed"; readonly error: string }
  /**
   * A syslog datagram for the master's socket (the Worker has no net, or
   * a net grant that names hosts, so it cannot bind the socket).
   */
  | { readonly kind: "syslog"; readonly message: string };
