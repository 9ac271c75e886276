/**
 * The mailsrv master: one process that runs every role.
 *
 * DESCRIPTION
 *   Loads the configuration, opens the queue, starts the listeners and the
 *   queue manager's thread, answers the control socket, and handles
 *   signals: SIGTERM/SIGINT stop gracefully, SIGHUP reloads (as `mailsrv
 *   reload`). Postfix splits these roles across processes run as
 *   different users; here the sessions run in this thread and the queue
 *   manager with the delivery agents in a Worker (qmgr_worker.ts), so
 *   acceptance and delivery each have a core, and the permission set
 *   baked into the binary (deno.json "permissions") bounds what both may
 *   touch.
 *
 *   A stop first stops accepting, then lets in-flight SMTP transactions and
 *   deliveries finish until a deadline; anything unfinished stays in the
 *   queue and is recovered by the next start. An abort (`mailsrv stop
 *   --abort`, Postfix's `postfix abort`) grants no time: sessions are
 *   dropped at once (an unfinished transaction is never acknowledged) and
 *   deliveries in flight are left for the next start.
 */
import type { Config } from "../config/types.ts";
import { loadConfig } from "../config/load.ts";
import { closeLogging, maillog } from "../log/maillog.ts";
import { createEnqueue, createPickup, QueueStore } from "../queue/mod.ts";
import { createRecipientVerifier } from "../delivery/local/local_recipient.ts";
import {
  createVirtualRecipientVerifier,
  TEMPORARY_LOOKUP_FAILURE,
} from "../delivery/virtual/virtual_recipient.ts";
import { createRelayRecipientVerifier } from "../delivery/relay_recipient.ts";
import { LookupTableError } from "../maps/mod.ts";
import { createAddressResolver } from "../resolve/address_resolver.ts";
import type { ResolvedAddress } from "../resolve/resolved_address.ts";
import { createVirtualMaps } from "../resolve/virtual_maps.ts";
import { popBeforeSmtpOver } from "../policy/pop_before_smtp.ts";
import { createPop3Deps } from "../pop3/deps.ts";
import { startPop3Listener } from "../pop3/server.ts";
import type { RecipientVerdict } from "../smtp/session.ts";
import { type SmtpDeps, startSmtpListener } from "../smtp/server.ts";
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
import { srsRecipientVerdict } from "./srs_recipient.ts";
import {
  reconcileServices,
  type Services,
  type ServiceStarters,
} from "./services.ts";
import { VERSION } from "../version.ts";
import { openSharedState } from "../policy/open_shared_state.ts";
import { createSmtpdPolicyDeps } from "./smtpd_policy_deps.ts";
import { checkListenerTls } from "./tls_check.ts";
import { createSaslAuthenticator } from "../auth/sasl_authenticator.ts";
import { closeSyncedDirectories } from "../fs/sync_directory.ts";
import { createFreeSpaceProbe, freeSpace } from "../fs/free_space.ts";
import { queueSpaceWarning } from "../config/queue_space.ts";
import { configureLogging } from "./logging.ts";
import { quietWhen, startMemoryTrim } from "./memory_trim.ts";
import {
  type QueueManagerThread,
  startQueueManagerThread,
} from "./qmgr_thread.ts";
import { watchMaildrop } from "./maildrop_watch.ts";
import { answerSurgery } from "./surgery_control.ts";
import {
  queueManagerThreadPermissions,
  smtpClientThreadPermissions,
  workerPermissions,
} from "./role_permissions.ts";
import { gatherSandboxFacts } from "./sandbox_facts.ts";

/**
 * smtpd's recipient check: the address resolver decides the class; local
 * domains are checked by local_recipient_maps and aliases, virtual ones
 * by their maps, relay domains by relay_recipient_maps (and accepted
 * from any client); anything else is `remote` and left to the relay
 * restrictions.
 */
export function createSmtpdVerifier(
  config: () => Config,
): (address: string) => Promise<RecipientVerdict> {
  const maps = createVirtualMaps();
  const resolve = createAddressResolver(maps);
  const local = createRecipientVerifier(config);
  const virtual = createVirtualRecipientVerifier(config, { maps, resolve });
  const relay = createRelayRecipientVerifier(config, maps.tables);
  return async (address) => {
    // A bounce to an SRS address of ours: verified, then its sender.
    const srs = srsRecipientVerdict(address, config());
    if (srs !== undefined) return srs;
    let resolved: ResolvedAddress;
    try {
      resolved = await resolve(address, config());
    } catch (error) {
      if (error instanceof LookupTableError) return TEMPORARY_LOOKUP_FAILURE;
      throw error;
    }
    switch (resolved.addressClass) {
      case "local":
        return await local(address);
      case "virtual":
        return await virtual(address) ?? { ok: "remote" };
      case "relay":
        return await relay(address);
      default:
        return { ok: "remote" };
    }
  };
}

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
  const current = () => config;
  await createStarterFiles(config);
  // Delivered and removed in the queue manager's thread, not here.
  const store = await QueueStore.open(config.queue_directory, {
    removesCommitted: false,
  });
  // The gate smtpd writes through; the store stays with the master.
  const enqueue = createEnqueue(store);
  // sendmail's maildrop/ (Postfix pickup): what came while we were down.
  const pickup = createPickup(store);
  await pickup.run();
  let stopMaildropWatch = () => {};
  let manager: QueueManagerThread | undefined;
  // Read at start only: a reload keeps the store the daemon opened.
  const sharedState = openSharedState(config);
  const popBeforeSmtp = popBeforeSmtpOver(sharedState);
  const deps: SmtpDeps = {
    config: current,
    enqueue,
    verifyRecipient: createSmtpdVerifier(current),
    popBeforeSmtp: (ip) =>
      popBeforeSmtp.allows(ip, current().pop_before_smtp_window),
    ...createSmtpdPolicyDeps(current, sharedState),
    // ETRN: a flush of the site's deferred mail, not waited for.
    flushSite: (site) => {
      if (!manager) return false;
      void manager.flush({ site });
      return true;
    },
    authenticate: createSaslAuthenticator(),
    queueFreeSpace: createFreeSpaceProbe(config.queue_directory),
  };
  const shortOfSpace = queueSpaceWarning(
    config.queue_directory,
    freeSpace(config.queue_directory),
    config,
  );
  if (shortOfSpace) log.warning(shortOfSpace);
  const pop3Deps = createPop3Deps(current, popBeforeSmtp);
  const starters: ServiceStarters = {
    smtp: (listener) => startSmtpListener(listener, deps),
    submission: (listener) => startSmtpListener(listener, deps),
    smtps: (listener) => startSmtpListener(listener, deps),
    pop3: (listener) => startPop3Listener(listener, pop3Deps),
    pop3s: (listener) => startPop3Listener(listener, pop3Deps),
  };
  const deadlineMs = (options.stopDeadlineSeconds ?? 30) * 1000;
  let services: Services = new Map();
  let stopping: Promise<void> | undefined;
  let listening = false;
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
      const previous = config;
      config = next;
      let result;
      try {
        result = await reconcileServices(services, next.listeners, starters);
      } catch (e) {
        config = previous;
        await configureLogging(config, options.foreground);
        throw e;
      }
      services = result.services;
      manager?.reload(next);
      for (const old of result.retired) void old.drain(deadlineMs);
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
      for (const s of services.values()) s.stopAccepting();
      stopMaildropWatch();
      await Promise.all([
        ...[...services.values()].map((s) => s.drain(grantedMs)),
        manager?.stop(grantedMs),
      ]);
      control.close();
      await removePidFile(config.queue_directory);
      queueLock.release();
      log.info("daemon stopped");
      resolveStopped();
    })();
    return stopping;
  };

  const status = async (): Promise<ControlReply> => {
    let sessions = 0;
    for (const s of services.values()) sessions += s.activeSessions();
    return {
      ok: true,
      pid: Deno.pid,
      version: VERSION,
      configFile: config.configFile,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      listeners: [...services.keys()],
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
        listening
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
          workerPermissions(
            queueManagerThreadPermissions(of, gatherSandboxFacts(of)),
          ),
        smtpClientPermissions: (of) =>
          workerPermissions(smtpClientThreadPermissions(of)),
      },
    );
    services = (await reconcileServices(services, config.listeners, starters))
      .services;
    listening = true;
    // In the same turn as the listeners start accepting: a client that
    // sees the port open may send SIGHUP at once, and must not find the
    // default action (which ends the process).
    for (const [sig, fn] of signals) Deno.addSignalListener(sig, fn);
  } catch (e) {
    for (const s of services.values()) s.stopAccepting();
    await Promise.all([
      ...[...services.values()].map((s) => s.drain(0)),
      manager?.stop(0),
    ]);
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
  const stopTrim = startMemoryTrim(quietWhen(() => commits, () => {
    for (const s of services.values()) if (s.activeSessions() > 0) return false;
    return true;
  }));

  log.info(
    `daemon started -- version ${VERSION}, configuration ${
      config.configFile ?? "(embedded default)"
    }; listening on ${[...services.keys()].join(", ")}`,
  );

  await stopped;
  stopTrim();
  for (const [sig, fn] of signals) Deno.removeSignalListener(sig, fn);
  closeSyncedDirectories();
  await sharedState.close();
  await closeLogging();
  return 0;
}
