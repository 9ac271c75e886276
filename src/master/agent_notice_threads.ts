/**
 * The parent's side of a delivery agent's Workers, driven by the queue
 * manager's thread: its `<agent>-start` and `<agent>-retire` notices, and
 * `<agent>-failed` back (agent_threads.ts says what the parent does).
 *
 * Used by smtp_client_thread.ts and local_delivery_thread.ts, which name
 * their agent, its Worker module and how it is logged.
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
export interface AgentIdentity<A extends DeliveryAgent> {
  readonly agent: A;
  /** The maillog program name (`smtp`, `local`). */
  readonly name: string;
  /** How log lines call it (`SMTP client`). */
  readonly label: string;
  readonly workerUrl: URL;
}

/** Creates the (empty) set of agent `A`'s Workers. */
export function createAgentNoticeThreads<A extends DeliveryAgent>(
  identity: AgentIdentity<A>,
  options: AgentNoticeThreadOptions<A>,
): AgentNoticeThreads<A> {
  const threads = createAgentThreads({
    name: identity.name,
    label: identity.label,
    workerUrl: options.workerUrl ?? identity.workerUrl,
    foreground: options.foreground,
    permissions: options.permissions,
    failed: (generation, error) =>
      options.tell(
        { kind: `${identity.agent}-failed`, generation, error } as AgentFailure<
          A
        >,
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
      if (kind === `${identity.agent}-start` && port !== undefined) {
        threads.start(generation, port, config);
      } else threads.retire(generation);
    },
    end: () => threads.end(),
  };
}
