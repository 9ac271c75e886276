/**
 * The mailsrv master: one process that runs every role.
 *
 * DESCRIPTION
 *   Loads the configuration, opens the queue, starts the listeners and the
 *   queue manager's thread, answers the control socket, and handles
 *   signals: SIGTERM/SIGINT stop gracefully, SIGHUP reloads (as `mailsrv
 *   reload`). Postfix splits these roles across processes run as
 *   different users; here each runs in a Worker holding only its own
 *   grants (role_permissions.ts): smtpd's sessions (smtpd_worker.ts),
 *   pop3d's (pop3d_worker.ts), the queue manager with the delivery agents
 *   (qmgr_worker.ts). This thread parses no network input: it supervises
 *   the threads, answers the control socket and loads the configuration;
 *   smtpd's commits go to the queue manager's thread over a channel the
 *   master links (commit_links.ts), or through the master when there is
 *   no such thread.
 *
 *   A stop first stops accepting, then lets in-flight SMTP transactions and
 *   deliveries finish until a deadline; anything unfinished stays in the
 *   queue and is recovered by the next start. An abort (`mailsrv stop
 *   --abort`, Postfix's `postfix abort`) grants no time: sessions are
 *   dropped at once (an unfinished transaction is never acknowledged) and
 *   deliveries in flight are left for the next start.
 */
import { loadConfig } from "../config/load.ts";
import { closeLogging, maillog } from "../log/maillog.ts";
import { createPickup, QueueStore } from "../queue/mod.ts";
import {
  type ControlReply,
  refuseIfRunning,
  startControlServer,
} from "./control.ts";
import { removePidFile, writePidFile } from "./pid_file.ts";
import { lockQueueForDaemon } from "./queue_lock.ts";
import { createStarterFiles } from "./starter_files.ts";
import { prepareQueueDirectory } from "./queue_directory.ts";
import { refuseUnusableTables } from "../config/configured_tables.ts";
import { refuseUnusableSecrets } from "./secret_checks.ts";
import { listenerKey } from "./services.ts";
import { VERSION } from "../version.ts";
import { openSharedState } from "../policy/open_shared_state.ts";
import { checkListenerTls } from "./tls_check.ts";
import { closeSyncedDirectories } from "../fs/sync_directory.ts";
import { freeSpace } from "../fs/free_space.ts";
import { queueSpaceWarning } from "../config/queue_space.ts";
import { configureLogging } from "./logging.ts";
import { quietWhen, startMallocTrim, startMemoryTrim } from "./memory_trim.ts";
import {
  type QueueManagerThread,
  startQueueManagerThread,
} from "./qmgr_thread.ts";
import { watchMaildrop } from "./maildrop_watch.ts";
import { answerSurgery } from "./surgery_control.ts";
import {
  localDeliveryThreadPermissions,
  queueManagerThreadPermissions,
  smtpClientThreadPermissions,
  workerPermissions,
} from "./role_permissions.ts";
import { gatherSandboxFacts } from "./sandbox_facts.ts";
import { type ListenerRoles, startListenerRoles } from "./listener_roles.ts";
import { createCommitLinks } from "./commit_links.ts";
import { announceWaiting } from "./waiting_commits.ts";

/** How the daemon was started. */
export interface DaemonOptions {
  readonly configPath?: string;
  /** Log to stderr too (`mailsrv run`). */
  readonly foreground: boolean;
  /** Seconds granted to sessions and deliveries on stop. */
  readonly stopDeadlineSeconds?: number;
}

const log = maillog("master");

/**
 * Runs the daemon until it is stopped.
 * @returns the process exit code
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  let config = await loadConfig({ path: options.configPath });
  refuseUnusableTables(config);
  refuseUnusableSecrets(config);
  // Before the queue is opened: opening it empties tmp/.
  await refuseIfRunning(config.queue_directory);
  await prepareQueueDirectory(config);
  await configureLogging(config, options.foreground);
  // Held for the daemon's life; a one-shot `mailsrv flush` takes it too.
  const queueLock = await lockQueueForDaemon(
    config.queue_directory,
    (holder) =>
      log.info(
        `waiting for the one-shot queue run${
          holder?.kind === "flush" ? ` (pid ${holder.pid})` : ""
        } to finish with queue ${config.queue_directory}`,
      ),
  );
  await createStarterFiles(config);
  // Delivered and removed in the queue manager's thread, not here; smtpd's
  // thread writes through its own gate and reports its commits here.
  const store = await QueueStore.open(config.queue_directory, {
    removesCommitted: false,
  });
  // sendmail's maildrop/ (Postfix pickup): what came while we were down.
  const pickup = createPickup(store);
  await pickup.run();
  let stopMaildropWatch = () => {};
  let manager: QueueManagerThread | undefined;
  // Read at start only: a reload keeps the store the daemon opened. The
  // master creates it and reports its health; smtpd's and pop3d's threads
  // open their own connections to it.
  const sharedState = openSharedState(config);
  const shortOfSpace = queueSpaceWarning(
    config.queue_directory,
    freeSpace(config.queue_directory),
    config,
  );
  if (shortOfSpace) log.warning(shortOfSpace);
  const deadlineMs = (options.stopDeadlineSeconds ?? 30) * 1000;
  // smtpd's commits go straight to the queue manager's thread while one
  // runs; what a closed link may have dropped is announced again.
  const commitLinks = createCommitLinks({
    recheck: () => void announceWaiting(store),
  });
  let roles: ListenerRoles | undefined;
  const listening = () => config.listeners.map(listenerKey);
  let stopping: Promise<void> | undefined;
  let started = false;
  const startedAt = Date.now();
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => resolveStopped = r);

  const reload = async (): Promise<ControlReply> => {
    try {
      const next = await loadConfig({ path: options.configPath });
      refuseUnusableTables(next);
      refuseUnusableSecrets(next);
      if (next.queue_directory !== config.queue_directory) {
        throw new Error(
          "queue_directory cannot change on reload; stop and start mailsrv",
        );
      }
      // Logging first: a log file that cannot be opened refuses the reload
      // before anything else changes; listeners that cannot bind put the
      // old logging back.
      await checkListenerTls(next);
      await configureLogging(next, options.foreground);
      // The new listeners start with the new configuration (a pop3s
      // listener and its certificate may come in the same reload).
      try {
        await roles?.reload(next);
      } catch (e) {
        await configureLogging(config, options.foreground);
        throw e;
      }
      config = next;
      manager?.reload(next);
      log.info(
        "reload -- version " + VERSION + ", configuration " +
          (config.configFile ?? "(embedded default)"),
      );
      return { ok: true };
    } catch (e) {
      log.error(
        `reload failed, keeping the running configuration: ${
          (e as Error).message
        }`,
      );
      return { ok: false, error: (e as Error).message };
    }
  };

  // `abort` (postfix abort): no time for sessions or deliveries in flight.
  const stop = (why: string, abort = false): Promise<void> => {
    stopping ??= (async () => {
      log.info(`stopping: ${why}`);
      const grantedMs = abort ? 0 : deadlineMs;
      stopMaildropWatch();
      await Promise.all([roles?.stop(grantedMs), manager?.stop(grantedMs)]);
      control.close();
      await removePidFile(config.queue_directory);
      queueLock.release();
      log.info("daemon stopped");
      resolveStopped();
    })();
    return stopping;
  };

  const status = async (): Promise<ControlReply> => {
    const sessions = await roles?.activeSessions() ?? 0;
    return {
      ok: true,
      pid: Deno.pid,
      version: VERSION,
      configFile: config.configFile,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      listeners: listening(),
      sessions,
      activeMessages: await manager?.activeCount() ?? 0,
      deliveryThread: manager?.running() ?? false,
      sharedState: sharedState.description,
      sharedStateHealthy: await sharedState.healthy(),
    };
  };

  const control = await startControlServer(config.queue_directory, {
    // Ready only once listening: `mailsrv start` waits for this.
    ping: () =>
      Promise.resolve(
        started
          ? { ok: true, pid: Deno.pid }
          : { ok: false, error: "starting" },
      ),
    status,
    reload,
    flush: async (request, progress) => {
      if (!manager) return { ok: false, error: "the daemon is starting" };
      const site = typeof request.site === "string" ? request.site : undefined;
      const run = manager.flush({
        site,
        progress: request.wait
          ? (message) => progress({ ...message })
          : undefined,
      });
      return request.wait ? { ok: true, report: await run } : { ok: true };
    },
    pickup: async () => ({ ok: true, moved: await pickup.run() }),
    // postsuper: the queue manager's thread owns the active queue.
    "queue-surgery": (request) => answerSurgery(manager, request),
    stop: async (request) => {
      await stop(
        request.abort ? "abort command" : "stop command",
        request.abort === true,
      );
      return { ok: true };
    },
  });

  const onSignal = (name: string) => () => void stop(`signal ${name}`);
  const signals: Array<[Deno.Signal, () => void]> = [
    ["SIGTERM", onSignal("SIGTERM")],
    ["SIGINT", onSignal("SIGINT")],
    ["SIGHUP", () => void reload()],
  ];
  try {
    // The queue manager first: once the listeners accept, everything is
    // up (`mailsrv start` returns then, and signals are handled).
    // With nothing queued, no delivery thread until the first message.
    manager = await startQueueManagerThread(
      store,
      config,
      options.foreground,
      {
        dormant: !store.hasMessages(),
        // Delivery runs with only what its roles need (role_permissions.ts).
        permissions: (of) =>
          workerPermissions(queueManagerThreadPermissions(of)),
        // Spent queue files go to smtpd's gate, which writes most mail.
        spare: (spare) => roles?.spare(spare) || store.adoptSpare(spare),
        smtpClientPermissions: (of) =>
          workerPermissions(smtpClientThreadPermissions(of)),
        localDeliveryPermissions: (of) =>
          workerPermissions(
            localDeliveryThreadPermissions(of, gatherSandboxFacts(of)),
          ),
        commitLinks,
      },
    );
    // smtpd and pop3d listen in threads of their own.
    roles = await startListenerRoles(config, {
      foreground: options.foreground,
      drainMs: deadlineMs,
      commitLinks,
      received: (notice) => {
        if (notice.kind === "committed") store.announce(notice.id);
        // ETRN: a flush of the site's deferred mail, not waited for.
        else void manager?.flush({ site: notice.site });
      },
    });
    started = true;
    // In the same turn as the listeners start accepting: a client that
    // sees the port open may send SIGHUP at once, and must not find the
    // default action (which ends the process).
    for (const [sig, fn] of signals) Deno.addSignalListener(sig, fn);
  } catch (e) {
    await manager?.stop(0);
    control.close();
    queueLock.release();
    await closeLogging();
    throw e;
  }
  await writePidFile(config.queue_directory);
  const maildropWatch = watchMaildrop(config.queue_directory, pickup);
  stopMaildropWatch = () => maildropWatch.close();
  let commits = 0;
  store.subscribe(() => commits++);
  // The sessions' threads trim their own heaps.
  const stopTrim = startMemoryTrim(quietWhen(() => commits, () => true));
  const stopMallocTrim = startMallocTrim();

  log.info(
    `daemon started -- version ${VERSION}, configuration ${
      config.configFile ?? "(embedded default)"
    }; listening on ${listening().join(", ")}`,
  );

  await stopped;
  stopTrim();
  stopMallocTrim();
  for (const [sig, fn] of signals) Deno.removeSignalListener(sig, fn);
  closeSyncedDirectories();
  await sharedState.close();
  await closeLogging();
  return 0;
}
