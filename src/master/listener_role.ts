/**
 * The inside of a listening thread (smtpd's or pop3d's): its listeners,
 * their reloads, drains and its end, as the master asks by message.
 *
 * DESCRIPTION
 *   `serveListenerRole` runs in the Worker. At `start` it configures the
 *   thread's logging as the master does its own, builds the role's
 *   dependencies (`setUp`) and starts the role's listeners of the
 *   configuration; a `reload` reconciles them as services.ts does (new
 *   ones first: one that cannot bind fails the reload and nothing
 *   changes; removed ones drain in the background). `stop` closes the
 *   listeners, lets sessions finish until the deadline, closes what
 *   `setUp` opened and answers.
 *
 *   Messages are handled one at a time, in order. A failed request is
 *   answered with the error's name and message (`ListenError` keeps its
 *   text, which `mailsrv start` prints); a message this thread does not
 *   know is a bug in the master and ends the thread with an error, which
 *   the master logs and answers with a restart.
 *
 *   Each thread trims its own heap when it is quiet (memory_trim.ts).
 */
import type { Config, Listener } from "../config/types.ts";
import { closeSyncedDirectories } from "../fs/sync_directory.ts";
import { closeLogging } from "../log/maillog.ts";
import type { Service } from "../net/session_listener.ts";
import {
  type FromListenerRole,
  type ListenerRoleName,
  RETIRE_LIMIT_MS,
  type ToListenerRole,
} from "./listener_protocol.ts";
import { configureLogging } from "./logging.ts";
import { quietWhen, startMemoryTrim } from "./memory_trim.ts";
import { reconcileServices, type ServiceStarters } from "./services.ts";
import { roleListeners } from "./listener_role_kinds.ts";
import { reportCrashes } from "./thread_crash.ts";

/** The worker global, as far as a listening thread uses it. */
export const thread = self as unknown as {
  postMessage(message: FromListenerRole, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToListenerRole>) => void) | null;
};

/** Syslog datagrams go out through the master's socket. */
const toSyslog = (message: string) =>
  thread.postMessage({ kind: "syslog", message });

/** How often a retired thread looks whether its sessions are over. */
const RETIRE_CHECK_MS = 1000;

/** What a role builds once its thread starts. */
export interface ListenerRoleParts {
  /** How each of its listener kinds is started. */
  readonly starters: Partial<ServiceStarters>;
  /** Work done, for the memory trim (messages committed, say). */
  readonly work?: () => number;
  /** Closes what the parts keep open (the shared state). */
  readonly close: () => Promise<void>;
}

/** A role's own messages besides the common ones (smtpd's). */
export type RoleMessage = Extract<
  ToListenerRole,
  {
    kind: "spares" | "auth-failed" | "auth-renew" | "qmgr-link" | "qmgr-unlink";
  }
>;

/**
 * Serves the master's messages in this Worker for `role`.
 * @param setUp builds the role's parts for the configuration in force
 * @param received the role's own messages
 */
export function serveListenerRole(
  role: ListenerRoleName,
  setUp: (config: () => Config) => ListenerRoleParts,
  received: (message: RoleMessage) => void = () => {},
): void {
  reportCrashes();
  let config: Config | undefined;
  let parts: ListenerRoleParts | undefined;
  let services = new Map<string, Service>();
  const draining = new Set<Service>();
  let stopTrim = () => {};

  const starters = (): ServiceStarters => {
    const refuse = (listener: Listener) =>
      Promise.reject(new Error(`not a listener of ${role}: ${listener.kind}`));
    return {
      smtp: parts?.starters.smtp ?? refuse,
      submission: parts?.starters.submission ?? refuse,
      smtps: parts?.starters.smtps ?? refuse,
      pop3: parts?.starters.pop3 ?? refuse,
      pop3s: parts?.starters.pop3s ?? refuse,
    };
  };

  const sessions = () => {
    let n = 0;
    for (const s of services.values()) n += s.activeSessions();
    for (const s of draining) n += s.activeSessions();
    return n;
  };

  const drain = (service: Service, deadlineMs: number) => {
    draining.add(service);
    return service.drain(deadlineMs).finally(() => draining.delete(service));
  };

  const start = async (next: Config, foreground: boolean) => {
    config = next;
    await configureLogging(next, foreground, toSyslog);
    parts = setUp(() => config!);
    try {
      services = (await reconcileServices(
        services,
        roleListeners(next, role),
        starters(),
      )).services;
    } catch (error) {
      await parts.close();
      throw error;
    }
    const work = parts.work ?? (() => 0);
    stopTrim = startMemoryTrim(quietWhen(work, () => sessions() === 0));
  };

  const reload = async (
    next: Config,
    foreground: boolean,
    drainMs: number,
  ) => {
    const previous = config!;
    await configureLogging(next, foreground, toSyslog);
    // New listeners start with the new configuration.
    config = next;
    try {
      const result = await reconcileServices(
        services,
        roleListeners(next, role),
        starters(),
      );
      services = result.services;
      for (const old of result.retired) void drain(old, drainMs);
    } catch (error) {
      config = previous;
      await configureLogging(previous, foreground, toSyslog);
      throw error;
    }
  };

  /** Closes what the thread opened, once. */
  let finished: Promise<void> | undefined;
  const finish = () =>
    finished ??= (async () => {
      stopTrim();
      await parts?.close();
      closeSyncedDirectories();
      await closeLogging();
    })();

  const stop = async (deadlineMs: number) => {
    for (const s of services.values()) s.stopAccepting();
    await Promise.all([
      ...[...services.values()].map((s) => drain(s, deadlineMs)),
      ...[...draining].map((s) => s.drain(deadlineMs)),
    ]);
    services = new Map();
    await finish();
  };

  /** Waits (bounded) for every session to end by itself, then finishes. */
  const retire = async () => {
    for (const s of services.values()) s.stopAccepting();
    const end = Date.now() + RETIRE_LIMIT_MS;
    while (sessions() > 0 && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, RETIRE_CHECK_MS));
    }
    await stop(0);
  };

  const answer = async (request: number, work: () => Promise<void>) => {
    try {
      await work();
      thread.postMessage({ kind: "done", request });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      thread.postMessage({
        kind: "failed",
        request,
        name: e.name,
        error: e.message,
      });
    }
  };

  const handle = async (message: ToListenerRole): Promise<void> => {
    switch (message.kind) {
      case "start":
        return await answer(
          message.request,
          () => start(message.config, message.foreground),
        );
      case "reload":
        return await answer(
          message.request,
          () => reload(message.config, message.foreground, message.drainMs),
        );
      case "status":
        return thread.postMessage({
          kind: "sessions",
          request: message.request,
          sessions: sessions(),
        });
      case "stop-accepting":
        return await answer(message.request, () => {
          for (const s of services.values()) s.stopAccepting();
          return Promise.resolve();
        });
      case "stop":
        return await answer(message.request, () => stop(message.deadlineMs));
      case "retire":
        // Answered when done; a `stop` meanwhile is handled at once.
        void answer(message.request, retire);
        return;
      case "spares":
      case "auth-failed":
      case "auth-renew":
      case "qmgr-link":
      case "qmgr-unlink":
        return received(message);
      default:
        throw new Error(
          `${role} thread: unknown message "${
            (message as { kind?: unknown }).kind
          }"`,
        );
    }
  };

  let handled: Promise<void> = Promise.resolve();
  thread.onmessage = (event) => {
    const message = event.data;
    handled = handled.then(() => handle(message));
  };
}
