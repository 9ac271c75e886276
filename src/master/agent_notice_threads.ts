/**
 * The parent's side of a delivery agent's Workers, driven by the queue
 * manager's thread: its `<agent>-start` and `<agent>-retire` notices, and
 * `<agent>-failed` back (agent_threads.ts says what the parent does).
 *
 * Each agent is named here once: its Worker module and how it is logged
 * (`AGENTS`). Used by delivery_agent_threads.ts, one set per queue
 * manager's thread (the daemon's, and `mailsrv flush`'s one-shot run).
 */
import type { Config } from "../config/types.ts";
import { createAgentThreads } from "./agent_threads.ts";
import type { FromQueueManager, ToQueueManager } from "./qmgr_protocol.ts";

/** The delivery agents the queue manager's thread runs in Workers. */
export type DeliveryAgent = "smtp-client" | "local-delivery";

/** What the queue manager's thread says of agent `A`'s Workers. */
export type AgentNotice<A extends DeliveryAgent> = Extract<
  FromQueueManager,
  { kind: `${A}-start` | `${A}-retire` }
>;

/** What the queue manager's thread says of its SMTP client Worker. */
export type SmtpClientNotice = AgentNotice<"smtp-client">;

/** What the queue manager's thread says of its local delivery Worker. */
export type LocalDeliveryNotice = AgentNotice<"local-delivery">;

/** What the parent tells the queue manager's thread of a Worker of `A`. */
export type AgentFailure<A extends DeliveryAgent> = Extract<
  ToQueueManager,
  { kind: `${A}-failed` }
>;

/** The Workers of one agent for one queue manager's thread. */
export interface AgentNoticeThreads<A extends DeliveryAgent> {
  /** Acts on a notice of the queue manager's thread. */
  handle(notice: AgentNotice<A>, config: Config): void;
  /** Ends every Worker (the queue manager's thread has ended). */
  end(): void;
}

/** How the Workers are run; tests substitute the worker module. */
export interface AgentNoticeThreadOptions<A extends DeliveryAgent> {
  /** Log to stderr too (`mailsrv run`). */
  readonly foreground: boolean;
  /** Tells the queue manager's thread (a Worker failed). */
  readonly tell: (message: AgentFailure<A>) => void;
  /** The Worker's Deno permissions (default: the parent's, all). */
  readonly permissions?: (config: Config) => Deno.PermissionOptionsObject;
  /** The worker module (default: the agent's own). */
  readonly workerUrl?: URL;
}

/** What tells one agent's Workers apart. */
interface AgentIdentity {
  /** The maillog program name (`smtp`, `local`). */
  readonly name: string;
  /** How log lines call it (`SMTP client`). */
  readonly label: string;
  readonly workerUrl: URL;
}

/** Each agent's Worker module, and how it is logged. */
const AGENTS: Readonly<Record<DeliveryAgent, AgentIdentity>> = {
  "smtp-client": {
    name: "smtp",
    label: "SMTP client",
    workerUrl: new URL("./smtp_client_worker.ts", import.meta.url),
  },
  "local-delivery": {
    name: "local",
    label: "local delivery",
    workerUrl: new URL("./local_delivery_worker.ts", import.meta.url),
  },
};

/** Creates the (empty) set of agent `A`'s Workers. */
export function createAgentNoticeThreads<A extends DeliveryAgent>(
  agent: A,
  options: AgentNoticeThreadOptions<A>,
): AgentNoticeThreads<A> {
  const identity = AGENTS[agent];
  const threads = createAgentThreads({
    name: identity.name,
    label: identity.label,
    workerUrl: options.workerUrl ?? identity.workerUrl,
    foreground: options.foreground,
    permissions: options.permissions,
    failed: (generation, error) =>
      options.tell(
        { kind: `${agent}-failed`, generation, error } as AgentFailure<A>,
      ),
  });
  return {
    handle(notice, config) {
      // What every start and retire notice carries (qmgr_protocol.ts).
      const { kind, generation, port } = notice as unknown as {
        readonly kind: string;
        readonly generation: number;
        readonly port?: MessagePort;
      };
      if (kind === `${agent}-start` && port !== undefined) {
        threads.start(generation, port, config);
      } else threads.retire(generation);
    },
    end: () => threads.end(),
  };
}
