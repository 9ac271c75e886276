/**
 * The master's side of the auth thread (auth_worker.ts), which checks SMTP
 * AUTH passwords for smtpd's thread.
 *
 * DESCRIPTION
 *   smtpd's thread may not read password files, and a Worker can grant
 *   its children no more than it holds; so when it wants a password
 *   checked it asks the master (`auth-start`, with its end of a
 *   channel), and the master starts the Worker with the `auth` role's
 *   grants computed from the current configuration and hands the port
 *   on, without reading what crosses it. The two threads then talk
 *   directly; the master only
 *
 *     - reports a thread that failed to start or died of an error back
 *       to smtpd's thread (`auth-failed`), which fails the checks under
 *       way (454 4.7.0) and asks for a new thread at its next AUTH; such
 *       a request within the restart backoff (restart_backoff.ts) of a
 *       failure is failed at once, so a thread that keeps dying is
 *       started once a minute at most;
 *     - ends a thread smtpd let go after max_idle (`auth-retire`);
 *     - tells smtpd's thread to `auth-renew` when a reload changes the
 *       auth grants, so its next AUTH gets a thread with the new ones;
 *     - ends every auth thread when smtpd's thread ends.
 *
 *   Used by listener_thread.ts, one per smtpd Worker.
 */
import type { Config } from "../config/types.ts";
import { maillog, sendSyslogDatagram } from "../log/maillog.ts";
import type { FromAuth, ToAuth } from "./auth_protocol.ts";
import type { FromListenerRole, ToListenerRole } from "./listener_protocol.ts";
import { createRestartBackoff } from "./restart_backoff.ts";
import { watchCrashes } from "./thread_crash.ts";

/** What smtpd's thread says of its auth thread. */
export type AuthNotice = Extract<
  FromListenerRole,
  { kind: "auth-start" | "auth-retire" }
>;

/** What the master tells smtpd's thread of its auth thread. */
export type AuthTidings = Extract<
  ToListenerRole,
  { kind: "auth-failed" | "auth-renew" }
>;

/** The auth threads of one smtpd thread. */
export interface AuthThreads {
  /** Acts on a notice of smtpd's thread. */
  handle(notice: AuthNotice, config: Config): void;
  /** A reload: renews the threads if their grants changed. */
  reloaded(config: Config): void;
  /** Ends every auth thread (smtpd's thread has ended). */
  end(): void;
}

/** How the threads are run; tests substitute parts. */
export interface AuthThreadOptions {
  /** Log to stderr too (`mailsrv run`). */
  readonly foreground: boolean;
  /** Tells smtpd's thread. */
  readonly tell: (message: AuthTidings) => void;
  /** The thread's Deno permissions (default: the parent's, all). */
  readonly permissions?: (config: Config) => Deno.PermissionOptionsObject;
  /** The worker module (default: auth_worker.ts). */
  readonly workerUrl?: URL;
  /** Pause after the first failure (default: restart_backoff.ts). */
  readonly restartDelayMs?: number;
}

const WORKER_URL = new URL("./auth_worker.ts", import.meta.url);

const log = maillog("master");

interface Running {
  readonly worker: Worker;
  /** Its grants (JSON), to notice a change. */
  readonly granted: string;
}

/** Creates the (empty) set of auth threads. */
export function createAuthThreads(options: AuthThreadOptions): AuthThreads {
  const workerUrl = (options.workerUrl ?? WORKER_URL).href;
  const running = new Map<number, Running>();
  const backoff = createRestartBackoff({
    firstDelayMs: options.restartDelayMs,
  });
  /** No thread starts before this (a failure's backoff). */
  let notBefore = 0;

  const gone = (generation: number, error: string) => {
    if (!running.has(generation)) return;
    running.get(generation)!.worker.terminate();
    running.delete(generation);
    const delayMs = backoff.failed(Date.now());
    notBefore = Date.now() + delayMs;
    log.error(
      `auth thread failed: ${error}; restarting on demand in ${
        delayMs / 1000
      } s`,
    );
    options.tell({ kind: "auth-failed", generation, error });
  };

  const start = (generation: number, port: MessagePort, config: Config) => {
    const wait = notBefore - Date.now();
    if (wait > 0) {
      port.close();
      return options.tell({
        kind: "auth-failed",
        generation,
        error: `restarting after a failure in ${Math.ceil(wait / 1000)} s`,
      });
    }
    let worker: Worker;
    let permissions: Deno.PermissionOptionsObject | undefined;
    try {
      permissions = options.permissions?.(config);
      worker = watchCrashes(
        new Worker(workerUrl, {
          type: "module",
          name: "auth",
          ...(permissions ? { deno: { permissions } } : {}),
        }),
      );
    } catch (error) {
      port.close();
      const why = error instanceof Error ? error.message : String(error);
      log.error(`auth thread failed to start: ${why}`);
      return options.tell({ kind: "auth-failed", generation, error: why });
    }
    running.set(generation, { worker, granted: JSON.stringify(permissions) });
    backoff.started(Date.now());
    worker.onmessage = (event: MessageEvent<FromAuth>) => {
      const message = event.data;
      if (message.kind === "syslog") sendSyslogDatagram(message.message);
      else gone(generation, message.error);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      gone(generation, event.message);
    };
    const message: ToAuth = {
      kind: "start",
      config,
      foreground: options.foreground,
      port,
    };
    worker.postMessage(message, [port]);
  };

  return {
    handle(notice, config) {
      if (notice.kind === "auth-start") {
        return start(notice.generation, notice.port, config);
      }
      running.get(notice.generation)?.worker.terminate();
      running.delete(notice.generation);
    },
    reloaded(config) {
      if (running.size === 0) return;
      const granted = JSON.stringify(options.permissions?.(config));
      const stale = [...running.values()].some((r) => r.granted !== granted);
      if (stale) options.tell({ kind: "auth-renew" });
    },
    end() {
      for (const r of running.values()) r.worker.terminate();
      running.clear();
    },
  };
}
