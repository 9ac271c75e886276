/**
 * The master's side of the SMTP client's Worker (smtp_client_worker.ts).
 *
 * DESCRIPTION
 *   A Worker can grant its children no more than it holds, and the queue
 *   manager's thread holds no net; so when it wants an SMTP client it
 *   asks the master (`smtp-client-start`, with its end of a channel), and
 *   the master starts the Worker with the `smtp` role's grants computed
 *   from the current configuration and hands the port on. The two
 *   threads then talk directly; the master only
 *
 *     - reports a client that failed to start or died of an error back
 *       to the queue manager's thread (`smtp-client-failed`), which
 *       defers what it had under way and starts a new one when it next
 *       needs one;
 *     - ends a client the queue manager let go after max_idle
 *       (`smtp-client-retire`), with nothing under way;
 *     - ends every client when the queue manager's thread ends (stop,
 *       retirement, a failure, new grants): a client never outlives the
 *       thread it delivers for.
 *
 *   Used by qmgr_thread.ts, one per queue manager's thread handle.
 */
import type { Config } from "../config/types.ts";
import { maillog, sendSyslogDatagram } from "../log/maillog.ts";
import type { FromQueueManager, ToQueueManager } from "./qmgr_protocol.ts";
import type { FromSmtpClient, ToSmtpClient } from "./smtp_client_protocol.ts";
import { watchCrashes } from "./thread_crash.ts";

/** What the queue manager's thread says of its SMTP client. */
export type SmtpClientNotice = Extract<
  FromQueueManager,
  { kind: "smtp-client-start" | "smtp-client-retire" }
>;

/** What the master tells the queue manager's thread of its client. */
export type SmtpClientFailure = Extract<
  ToQueueManager,
  { kind: "smtp-client-failed" }
>;

/** The clients of one queue manager's thread. */
export interface SmtpClientThreads {
  /** Acts on a notice of the queue manager's thread. */
  handle(notice: SmtpClientNotice, config: Config): void;
  /** Ends every client (the queue manager's thread has ended). */
  end(): void;
}

/** How the clients are run; tests substitute the worker module. */
export interface SmtpClientThreadOptions {
  /** Log to stderr too (`mailsrv run`). */
  readonly foreground: boolean;
  /** Tells the queue manager's thread (a client failed). */
  readonly tell: (message: SmtpClientFailure) => void;
  /** The client's Deno permissions (default: the parent's, all). */
  readonly permissions?: (config: Config) => Deno.PermissionOptionsObject;
  /** The worker module (default: smtp_client_worker.ts). */
  readonly workerUrl?: URL;
}

const WORKER_URL = new URL("./smtp_client_worker.ts", import.meta.url);

const log = maillog("master");

/** Creates the (empty) set of clients. */
export function createSmtpClientThreads(
  options: SmtpClientThreadOptions,
): SmtpClientThreads {
  const workerUrl = (options.workerUrl ?? WORKER_URL).href;
  const running = new Map<number, Worker>();

  const gone = (generation: number, error: string) => {
    running.get(generation)?.terminate();
    running.delete(generation);
    log.error(`SMTP client thread failed: ${error}`);
    options.tell({ kind: "smtp-client-failed", generation, error });
  };

  const start = (generation: number, port: MessagePort, config: Config) => {
    let worker: Worker;
    try {
      const permissions = options.permissions?.(config);
      worker = watchCrashes(
        new Worker(workerUrl, {
          type: "module",
          name: "smtp",
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
    worker.onmessage = (event: MessageEvent<FromSmtpClient>) => {
      const message = event.data;
      if (message.kind === "syslog") sendSyslogDatagram(message.message);
      else gone(generation, message.error);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      gone(generation, event.message);
    };
    const message: ToSmtpClient = {
      kind: "start",
      config,
      foreground: options.foreground,
      port,
    };
    worker.postMessage(message, [port]);
  };

  return {
    handle(notice, config) {
      if (notice.kind === "smtp-client-start") {
        return start(notice.generation, notice.port, config);
      }
      running.get(notice.generation)?.terminate();
      running.delete(notice.generation);
    },
    end() {
      for (const worker of running.values()) worker.terminate();
      running.clear();
    },
  };
}
