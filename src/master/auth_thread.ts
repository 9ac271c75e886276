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
import { createAgentThreads } from "./agent_threads.ts";
import type { FromListenerRole, ToListenerRole } from "./listener_protocol.ts";
import { createRestartBackoff } from "./restart_backoff.ts";

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

/** Creates the (empty) set of auth threads. */
export function createAuthThreads(options: AuthThreadOptions): AuthThreads {
  const backoff = createRestartBackoff({
    firstDelayMs: options.restartDelayMs,
  });
  /** No thread starts before this (a failure's backoff). */
  let notBefore = 0;
  /** The running threads' grants (JSON), to notice a change. */
  const granted = new Map<number, string>();
  const grantsOf = (config: Config) =>
    JSON.stringify(options.permissions?.(config));

  const threads = createAgentThreads({
    name: "auth",
    label: "auth",
    workerUrl: options.workerUrl ?? WORKER_URL,
    foreground: options.foreground,
    permissions: options.permissions,
    failed(generation, error) {
      granted.delete(generation);
      const delayMs = backoff.failed(Date.now());
      notBefore = Date.now() + delayMs;
      options.tell({ kind: "auth-failed", generation, error });
      return `; restarting on demand in ${delayMs / 1000} s`;
    },
  });

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
    granted.set(generation, grantsOf(config));
    backoff.started(Date.now());
    threads.start(generation, port, config);
  };

  return {
    handle(notice, config) {
      if (notice.kind === "auth-start") {
        return start(notice.generation, notice.port, config);
      }
      granted.delete(notice.generation);
      threads.retire(notice.generation);
    },
    reloaded(config) {
      if (granted.size === 0) return;
      const now = grantsOf(config);
      if ([...granted.values()].some((g) => g !== now)) {
        options.tell({ kind: "auth-renew" });
      }
    },
    end() {
      granted.clear();
      threads.end();
    },
  };
}
