/**
 * The parent's side of an agent's Workers: the SMTP client's
 * (smtp_client_worker.ts), local delivery's (local_delivery_worker.ts)
 * and the auth thread's (auth_worker.ts).
 *
 * DESCRIPTION
 *   The queue manager's thread may neither connect out nor write a
 *   mailbox nor run a command, and smtpd's may read no password file; so
 *   when one of them wants an agent it asks its parent (the master, or
 *   `mailsrv flush`) with a start notice and its end of a channel, and
 *   the parent starts the agent's Worker with the role's grants computed
 *   from the current configuration and hands the port on. The two
 *   threads then talk directly; the parent only
 *
 *     - reports a Worker that failed to start or died of an error back
 *       to the thread it served (`failed`), which fails what it had
 *       under way and asks for a new one when it next needs one;
 *     - ends a Worker let go after max_idle (`retire`), with nothing
 *       under way;
 *     - ends every Worker when the thread it serves ends (stop,
 *       retirement, a failure, new grants): an agent never outlives it.
 *
 *   The agents' Workers speak agent_worker_protocol.ts with their parent.
 *   agent_notice_threads.ts and auth_thread.ts name the notices of each
 *   (the auth thread's are smtpd's).
 */
import type { Config } from "../config/types.ts";
import { maillog, sendSyslogDatagram } from "../log/maillog.ts";
import type {
  FromAgentWorker,
  ToAgentWorker,
} from "./agent_worker_protocol.ts";
import { watchCrashes } from "./thread_crash.ts";

/** One agent's Workers. */
export interface AgentThreads {
  /** Starts Worker `generation` serving `port`. */
  start(generation: number, port: MessagePort, config: Config): void;
  /** Ends Worker `generation`, which has nothing under way. */
  retire(generation: number): void;
  /** Ends every Worker (the queue manager's thread has ended). */
  end(): void;
}

/** Which agent, and how its Workers are run. */
export interface AgentThreadOptions {
  /** The Worker's name (`smtp`, `local`). */
  readonly name: string;
  /** The agent in log lines (`SMTP client`, `local delivery`). */
  readonly label: string;
  /** The worker module. */
  readonly workerUrl: URL;
  /** Log to stderr too (`mailsrv run`). */
  readonly foreground: boolean;
  /**
   * Tells the requesting thread that Worker `generation` failed; may
   * return more words for the log line (when it restarts).
   */
  readonly failed: (generation: number, error: string) => string | void;
  /** The Worker's Deno permissions (default: the parent's, all). */
  readonly permissions?: (config: Config) => Deno.PermissionOptionsObject;
}

const log = maillog("master");

/** Creates the (empty) set of an agent's Workers. */
export function createAgentThreads(options: AgentThreadOptions): AgentThreads {
  const workerUrl = options.workerUrl.href;
  const running = new Map<number, Worker>();

  const gone = (generation: number, error: string) => {
    running.get(generation)?.terminate();
    running.delete(generation);
    const more = options.failed(generation, error) ?? "";
    log.error(`${options.label} thread failed: ${error}${more}`);
  };

  return {
    start(generation, port, config) {
      let worker: Worker;
      try {
        const permissions = options.permissions?.(config);
        worker = watchCrashes(
          new Worker(workerUrl, {
            type: "module",
            name: options.name,
            ...(permissions ? { deno: { permissions } } : {}),
          }),
        );
      } catch (error) {
        port.close();
        return gone(
          generation,
          error instanceof Error ? error.message : String(error),
        );
      }
      running.set(generation, worker);
      worker.onmessage = (event: MessageEvent<FromAgentWorker>) => {
        const message = event.data;
        if (message.kind === "syslog") sendSyslogDatagram(message.message);
        else gone(generation, message.error);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        gone(generation, event.message);
      };
      const message: ToAgentWorker = {
        kind: "start",
        config,
        foreground: options.foreground,
        port,
      };
      worker.postMessage(message, [port]);
    },
    retire(generation) {
      running.get(generation)?.terminate();
      running.delete(generation);
    },
    end() {
      for (const worker of running.values()) worker.terminate();
      running.clear();
    },
  };
}
