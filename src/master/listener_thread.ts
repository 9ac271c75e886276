/**
 * The master's handle on one listening thread: smtpd's or pop3d's Worker.
 *
 * DESCRIPTION
 *   Starts the role's Worker (smtpd_worker.ts, pop3d_worker.ts) with the
 *   Deno permissions `options.permissions` computes from the
 *   configuration, hands it the configuration at start and at each
 *   reload, asks it for its sessions (`mailsrv status`) and stops it.
 *   What the thread says on its own (smtpd's commits and ETRN flushes)
 *   goes to `options.received`; while a queue manager's thread runs,
 *   smtpd's commits go to it directly instead (`options.commitLinks`).
 *
 *   A reload whose grants are unchanged is applied inside the thread: its
 *   listeners are reconciled as services.ts does, and a listener that
 *   cannot bind fails the reload with its ListenError text. A reload that
 *   changes the grants (a new listener, table or DNS server) needs a new
 *   thread: the running one closes its listening sockets, a new one binds
 *   them with the new grants, and the old one ends once its sessions have
 *   ended by themselves (as sessions on a listener that stays; bounded by
 *   RETIRE_LIMIT_MS). If the new one cannot start, one with the previous
 *   configuration takes over and the reload fails.
 *
 *   A thread that dies of an error is logged and started again after a
 *   backoff (restart_backoff.ts); the other roles keep serving. Its
 *   sessions die with it; its listeners are bound again by the new thread.
 *
 *   Requests are answered in order by the thread; starts, reloads and
 *   restarts are done one at a time here.
 */
import type { Config } from "../config/types.ts";
import { maillog, sendSyslogDatagram } from "../log/maillog.ts";
import { batchPerTurn } from "../common/message_batch.ts";
import {
  type FromListenerRole,
  type ListenerRoleName,
  RETIRE_LIMIT_MS,
  type ToListenerRole,
} from "./listener_protocol.ts";
import { type AuthThreads, createAuthThreads } from "./auth_thread.ts";
import type { CommitLinks, SmtpdLinkHandle } from "./commit_links.ts";
import { createRestartBackoff } from "./restart_backoff.ts";
import { refusedNotice } from "./role_notices.ts";
import { watchCrashes } from "./thread_crash.ts";

/** What a listening thread says on its own (not an answer), one by one. */
export type ListenerRoleNotice =
  | { readonly kind: "committed"; readonly id: string }
  | Extract<FromListenerRole, { kind: "flush" }>;

/** A listening thread, seen from the master. */
export interface ListenerThread {
  readonly role: ListenerRoleName;
  /**
   * Applies a new, validated configuration.
   * @throws Error named ListenError when a new listener cannot bind (the
   *   running configuration stays)
   */
  reload(config: Config): Promise<void>;
  /** Sessions running in the thread (and in a thread being retired). */
  activeSessions(): Promise<number>;
  /**
   * Passes a spent queue file to the thread's gate (smtpd).
   * @returns false when no thread is running to take it
   */
  spare(spare: string): boolean;
  /** Stops accepting, lets sessions finish until the deadline, then ends. */
  stop(deadlineMs: number): Promise<void>;
}

/** How the thread is run; tests substitute parts. */
export interface ListenerThreadOptions {
  /** Log to stderr too (`mailsrv run`). */
  readonly foreground: boolean;
  /** What sessions of retired listeners or threads get on a reload. */
  readonly drainMs: number;
  /** The worker module (default: the role's). */
  readonly workerUrl?: URL;
  /** The thread's permissions (default: the parent's, all of them). */
  readonly permissions?: (config: Config) => Deno.PermissionOptionsObject;
  /** What the thread says on its own. */
  readonly received?: (notice: ListenerRoleNotice) => void;
  /** Pause before the first restart (default: restart_backoff.ts). */
  readonly restartDelayMs?: number;
  /** The auth thread's permissions (default: the parent's, all of them). */
  readonly authPermissions?: (config: Config) => Deno.PermissionOptionsObject;
  /** The auth thread's worker module (tests). */
  readonly authWorkerUrl?: URL;
  /** Sees each Worker started (tests). */
  readonly started?: (worker: Worker, role: ListenerRoleName) => void;
  /** Links smtpd's threads to the queue manager's (commit_links.ts). */
  readonly commitLinks?: CommitLinks;
}

const WORKER_URLS: Readonly<Record<ListenerRoleName, URL>> = {
  smtpd: new URL("./smtpd_worker.ts", import.meta.url),
  pop3d: new URL("./pop3d_worker.ts", import.meta.url),
};

/** A stopping thread that does not answer is ended after this. */
const STOP_GRACE_MS = 5000;

const log = maillog("master");

/** Distributive Omit: keeps each message kind's own fields. */
type WithoutRequest<T> = T extends unknown ? Omit<T, "request"> : never;

/** A request to the thread, without its number. */
type Request = WithoutRequest<
  Extract<ToListenerRole, { request: number }>
>;

interface Waiter {
  readonly resolve: (answer: FromListenerRole) => void;
  readonly reject: (error: Error) => void;
}

/** One running Worker and the requests it has not answered. */
interface RoleWorker {
  readonly worker: Worker;
  readonly waiters: Map<number, Waiter>;
  /** Its grants (JSON), to notice a change. */
  readonly granted: string;
  /** Set once it ended or failed. */
  ended: boolean;
  /** smtpd's auth threads, started when it asks (auth_thread.ts). */
  auth?: AuthThreads;
  /** smtpd's link to the queue manager's thread (commit_links.ts). */
  commitLink?: SmtpdLinkHandle;
}

/** The error a thread reported, as the master throws it. */
function reported(name: string, message: string): Error {
  const error = name === "NotCapable"
    ? new Deno.errors.NotCapable(message)
    : new Error(message);
  error.name = name;
  return error;
}

/**
 * Starts `role`'s thread with `initial` and resolves once its listeners
 * are bound.
 * @throws the thread's start error (a ListenError when a listener
 *   cannot bind)
 */
export async function startListenerThread(
  role: ListenerRoleName,
  initial: Config,
  options: ListenerThreadOptions,
): Promise<ListenerThread> {
  const workerUrl = options.workerUrl ?? WORKER_URLS[role];
  const backoff = createRestartBackoff({
    firstDelayMs: options.restartDelayMs,
  });
  let config = initial;
  let current: RoleWorker | undefined;
  /**
   * Spent queue files for the thread's gate, those of one turn in one
   * message; a thread that ended meanwhile leaves them in tmp/, which is
   * emptied at the next start.
   */
  const spares = batchPerTurn<string>((names) => {
    if (current && !current.ended) {
      current.worker.postMessage({ kind: "spares", spares: names });
    }
  });
  /** Threads letting their sessions finish, and when they are done. */
  const retiring = new Map<RoleWorker, Promise<void>>();
  let stopped = false;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let requests = 0;
  /** Starts, reloads and restarts, one at a time. */
  let turns: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const done = turns.then(work);
    turns = done.catch(() => {});
    return done;
  };

  const grantsOf = (of: Config) => options.permissions?.(of);

  const end = (w: RoleWorker, why: string) => {
    w.ended = true;
    w.worker.terminate();
    w.auth?.end();
    w.commitLink?.ended();
    for (const waiter of w.waiters.values()) waiter.reject(new Error(why));
    w.waiters.clear();
  };

  const ask = (w: RoleWorker, request: Request): Promise<FromListenerRole> => {
    if (w.ended) {
      return Promise.reject(new Error(`the ${role} thread has ended`));
    }
    const number = ++requests;
    return new Promise((resolve, reject) => {
      w.waiters.set(number, { resolve, reject });
      w.worker.postMessage({ ...request, request: number } as ToListenerRole);
    });
  };

  const crashed = (why: string) => {
    if (stopped) return;
    const delayMs = backoff.failed(Date.now());
    log.error(
      `${role} thread failed: ${why}; restarting in ${delayMs / 1000} s`,
    );
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      void inTurn(async () => {
        if (stopped || current) return;
        try {
          current = await open(config);
          log.info(`${role} thread restarted`);
        } catch (error) {
          crashed((error as Error).message);
        }
      });
    }, delayMs);
  };

  /** `w`'s auth threads (smtpd's only: another role's ask is refused). */
  const authOf = (w: RoleWorker): AuthThreads =>
    w.auth ??= createAuthThreads({
      foreground: options.foreground,
      tell: (message) => {
        if (!w.ended) w.worker.postMessage(message);
      },
      permissions: role === "smtpd" ? options.authPermissions : () => {
        throw new Error(`${role} has no auth thread`);
      },
      workerUrl: options.authWorkerUrl,
      restartDelayMs: options.restartDelayMs,
    });

  /** Starts a Worker for `of` and resolves once its listeners are bound. */
  const open = async (of: Config): Promise<RoleWorker> => {
    const permissions = grantsOf(of);
    const worker = watchCrashes(
      new Worker(workerUrl.href, {
        type: "module",
        name: role,
        ...(permissions ? { deno: { permissions } } : {}),
      }),
    );
    const w: RoleWorker = {
      worker,
      waiters: new Map(),
      granted: JSON.stringify(permissions),
      ended: false,
    };
    worker.onmessage = (event: MessageEvent<FromListenerRole>) => {
      const message = event.data;
      if (message.kind === "committed" || message.kind === "flush") {
        const refused = refusedNotice(message);
        if (refused !== null) {
          return log.warning(
            `ignoring a notice from ${role}'s thread: ${refused}`,
          );
        }
        if (message.kind === "flush") return options.received?.(message);
        for (const id of message.ids) {
          options.received?.({ kind: "committed", id });
        }
        return;
      }
      if (message.kind === "syslog") return sendSyslogDatagram(message.message);
      if (message.kind === "auth-start" || message.kind === "auth-retire") {
        return authOf(w).handle(message, config);
      }
      if (message.kind === "qmgr-unlinked") {
        return w.commitLink?.unlinked(message.link);
      }
      const waiter = w.waiters.get(message.request);
      w.waiters.delete(message.request);
      if (message.kind === "failed") {
        waiter?.reject(reported(message.name, message.error));
      } else waiter?.resolve(message);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const why = event.message;
      const wasCurrent = current === w;
      end(w, why);
      if (wasCurrent) {
        current = undefined;
        crashed(why);
      }
    };
    options.started?.(worker, role);
    backoff.started(Date.now());
    try {
      await ask(w, {
        kind: "start",
        config: of,
        foreground: options.foreground,
      });
    } catch (error) {
      end(w, (error as Error).message);
      throw error;
    }
    if (role === "smtpd" && !w.ended) {
      w.commitLink = options.commitLinks?.smtpdStarted((message, transfer) => {
        if (!w.ended) w.worker.postMessage(message, transfer ?? []);
      });
    }
    return w;
  };

  /** Resolves when `work` settles or `ms` have passed. */
  const within = async (work: Promise<unknown>, ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise((resolve) => timer = setTimeout(resolve, ms));
    await Promise.race([work.catch(() => {}), expired]);
    clearTimeout(timer);
  };

  /**
   * Ends `w` once `request` is answered: `stop` (sessions drained until
   * its deadline) or `retire` (sessions end by themselves).
   */
  const retire = (
    w: RoleWorker,
    request: { kind: "stop"; deadlineMs: number } | { kind: "retire" },
  ): Promise<void> => {
    const limitMs = request.kind === "stop"
      ? request.deadlineMs
      : RETIRE_LIMIT_MS;
    const done = within(ask(w, request), limitMs + STOP_GRACE_MS).then(() => {
      retiring.delete(w);
      end(w, `the ${role} thread has ended`);
    });
    retiring.set(w, done);
    return done;
  };

  const reload = (next: Config) =>
    inTurn(async () => {
      if (stopped) return;
      const previous = config;
      if (!current) {
        // Waiting for a restart: start now, with the new configuration.
        clearTimeout(restartTimer);
        restartTimer = undefined;
        try {
          current = await open(next);
          config = next;
        } catch (error) {
          crashed((error as Error).message);
          throw error;
        }
        return;
      }
      if (JSON.stringify(grantsOf(next)) === current.granted) {
        await ask(current, {
          kind: "reload",
          config: next,
          foreground: options.foreground,
          drainMs: options.drainMs,
        });
        config = next;
        current.auth?.reloaded(next);
        return;
      }
      log.info(`${role} thread restarting with new permissions`);
      const old = current;
      await ask(old, { kind: "stop-accepting" });
      current = undefined;
      // Its sessions go on with the configuration they started with.
      void retire(old, { kind: "retire" });
      try {
        current = await open(next);
        config = next;
      } catch (error) {
        try {
          current = await open(previous);
        } catch (again) {
          crashed((again as Error).message);
        }
        throw error;
      }
    });

  const sessionsOf = async (w: RoleWorker) => {
    try {
      const answer = await ask(w, { kind: "status" });
      return answer.kind === "sessions" ? answer.sessions : 0;
    } catch {
      return 0;
    }
  };

  current = await inTurn(() => open(config));
  return {
    role,
    reload,
    async activeSessions() {
      const threads = [...(current ? [current] : []), ...retiring.keys()];
      const counts = await Promise.all(threads.map(sessionsOf));
      return counts.reduce((a, b) => a + b, 0);
    },
    spare(spare) {
      if (!current || current.ended) return false;
      spares.add(spare);
      return true;
    },
    async stop(deadlineMs) {
      stopped = true;
      clearTimeout(restartTimer);
      // A start or reload under way finishes first (binding is quick).
      await turns;
      const running = current;
      current = undefined;
      const retired = [...retiring.keys()];
      await Promise.all([
        ...(running ? [running] : []),
        // Retired by a reload: their sessions drain with the rest.
        ...retired,
      ].map((w) => retire(w, { kind: "stop", deadlineMs })));
    },
  };
}
