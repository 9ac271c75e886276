/**
 * The queue manager's thread: the queue manager and the router.
 *
 * DESCRIPTION
 *   Runs in a Worker, so scheduling and recording deliveries use a core
 *   of their own while the master thread answers SMTP sessions: Postfix
 *   splits smtpd from qmgr the same way, into processes. This thread opens the same
 *   queue directory (never emptying tmp/: the master did, at start) and
 *   learns of new mail from the master's `committed` messages; bounces
 *   and forwarded mail it writes itself go straight to its own queue
 *   manager. Spent queue files go back to the master as spares.
 *
 *   The SMTP and LMTP client is not here: this thread has no net. The
 *   router's SMTP agent is a proxy (smtp_client_proxy.ts) to a client
 *   Worker the master starts on the first remote delivery. Nor are the
 *   local, virtual and pipe agents: this thread writes no mailbox and
 *   runs nothing. The router's local agent is a proxy
 *   (local_delivery_proxy.ts) to a Worker the master starts on the first
 *   local delivery; mail it forwards comes back and enters the queue
 *   through this thread's gate.
 *
 *   After max_idle with nothing to do and the queue empty it says so, and
 *   the master stops it until the next message (qmgr_thread.ts).
 *
 *   Messages are handled one at a time, in order (qmgr_protocol.ts). A
 *   failure to start is reported, not thrown; anything that escapes later
 *   reaches the master as a Worker error, and the master starts a new
 *   thread, which recovers what was in active/.
 */
import type { Config } from "../config/types.ts";
import { createRouter } from "../delivery/router.ts";
import { closeSyncedDirectories } from "../fs/sync_directory.ts";
import { closeLogging } from "../log/maillog.ts";
import {
  createEnqueue,
  createForwardSender,
  createQueueManager,
  createQueueSurgeon,
  createResubmit,
  type FlushedMessage,
  type FlushReport,
  type QueueManager,
  QueueStore,
  type QueueSurgeon,
} from "../queue/mod.ts";
import {
  createDeliveryAgentProxies,
  type DeliveryAgentProxies,
} from "./delivery_agent_proxies.ts";
import { configureLogging } from "./logging.ts";
import { batchWithin } from "../common/message_batch.ts";
import { quietWhen, startMemoryTrim } from "./memory_trim.ts";
import type { FromQueueManager, ToQueueManager } from "./qmgr_protocol.ts";
import { reportCrashes } from "./thread_crash.ts";
import { maillog } from "../log/maillog.ts";
import { createSmtpdLinks } from "./qmgr_smtpd_links.ts";

reportCrashes();

/** The worker global, as far as this thread uses it. */
const thread = self as unknown as {
  postMessage(message: FromQueueManager, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToQueueManager>) => void) | null;
};

/** Syslog datagrams go out through the master's socket (no net here). */
const toSyslog = (message: string) =>
  thread.postMessage({ kind: "syslog", message });

let config: Config | undefined;
let store: QueueStore | undefined;
let manager: QueueManager | undefined;
let surgeon: QueueSurgeon | undefined;
/**
 * The SMTP client and local delivery, in Workers the master starts (this
 * thread has no net, writes no mailbox and runs nothing).
 */
let agents: DeliveryAgentProxies | undefined;
let stopTrim = () => {};
let stopIdleWatch = () => {};
/** Queue IDs received from the master in `committed` messages. */
let received = 0;

/** How long a spent queue file may wait for others to travel with. */
const SPARE_BATCH_MS = 50;
/** The most spent queue files in one message. */
const SPARE_BATCH_MAX = 64;

/**
 * smtpd's threads, linked by the master: their commits come straight
 * here, checked (qmgr_smtpd_links.ts); they are not counted in `received`,
 * which tells the master only of the commits it relayed.
 */
const smtpdLinks = createSmtpdLinks({
  committed: (ids) => {
    for (const id of ids) store?.announce(id);
  },
  refused: (why) =>
    maillog("qmgr").warning(`ignoring a notice from smtpd's thread: ${why}`),
});

/**
 * Spent queue files go to smtpd's gate (over its link, else through the
 * master) in batches: a spare is not urgent, and each message between
 * threads costs both.
 */
const spares = batchWithin<string>(
  (names) =>
    smtpdLinks.returnSpares(names) ||
    thread.postMessage({ kind: "spares", spares: names }),
  SPARE_BATCH_MS,
  SPARE_BATCH_MAX,
);

/** The report of a flush that reached a thread without a queue manager. */
const NOT_STARTED: FlushReport = {
  messages: 0,
  sent: 0,
  deferred: 0,
  bounced: 0,
  errors: 0,
  interrupted: true,
};

/** How often the idle watch looks. */
const IDLE_CHECK_MS = 1000;

/**
 * Tells the master once the thread has been quiet for max_idle with the
 * queue empty (Postfix's delivery agents exit after max_idle the same
 * way): it may then stop this thread until the next message.
 */
function watchIdle(
  hasMessages: () => boolean,
  isQuiet: () => boolean,
): () => void {
  let quietSince = Date.now();
  let told = false;
  const timer = setInterval(() => {
    const now = Date.now();
    if (!isQuiet()) {
      quietSince = now;
      told = false;
      return;
    }
    if (told || now - quietSince < config!.max_idle * 1000) return;
    try {
      if (hasMessages()) {
        quietSince = now;
        return;
      }
    } catch {
      return; // Unreadable queue: stay, and say so in the deliveries.
    }
    told = true;
    thread.postMessage({ kind: "idle", committed: received });
  }, IDLE_CHECK_MS);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

async function start(next: Config, foreground: boolean): Promise<void> {
  try {
    config = next;
    await configureLogging(next, foreground, toSyslog);
    store = await QueueStore.open(next.queue_directory, {
      clearStaging: false,
      retire: (spare) => spares.add(spare),
    });
    const current = () => config!;
    // Bounces and forwarded mail enter through this thread's own gate.
    const enqueue = createEnqueue(store);
    const queue = store;
    // postsuper's work: a message being delivered is acted on after its
    // attempt; a deleted file becomes a spare of this thread's gate.
    surgeon = createQueueSurgeon(queue, {
      isBusy: (id) => manager?.isActive(id) ?? false,
      requeued: (id) => manager?.take(id),
    }, {
      discard: (from, id) => {
        const spare = `spare.${id}`;
        Deno.renameSync(queue.path(from, id), queue.path("tmp", spare));
        queue.adoptSpare(spare);
      },
    });
    const deliveryAgents = agents = createDeliveryAgentProxies(
      (notice, transfer) => thread.postMessage(notice, transfer),
      current,
      createResubmit(enqueue, next.myhostname, createForwardSender(current)),
    );
    manager = createQueueManager({
      store,
      enqueue,
      config: current,
      deliver: createRouter(current, {
        smtpAgent: deliveryAgents.smtpAgent,
        localAgent: deliveryAgents.localAgent,
        flushing: () => manager?.flushing() ?? false,
      }),
      attemptOver: (id) => surgeon?.attemptOver(id),
    });
    await manager.start();
    let commits = 0;
    store.subscribe(() => commits++);
    const active = manager;
    stopTrim = startMemoryTrim(
      quietWhen(() => commits, () => active.activeCount() === 0),
    );
    stopIdleWatch = watchIdle(
      () => active.holdsMessages(),
      quietWhen(() => commits, () => active.activeCount() === 0),
    );
    thread.postMessage({ kind: "started" });
  } catch (error) {
    thread.postMessage({
      kind: "failed",
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

async function handle(message: ToQueueManager): Promise<void> {
  switch (message.kind) {
    case "start":
      return await start(message.config, message.foreground);
    case "committed":
      received += message.ids.length;
      for (const id of message.ids) store?.announce(id);
      return;
    case "flush": {
      const { request } = message;
      const progress = message.progress
        ? (flushed: FlushedMessage) =>
          thread.postMessage({ kind: "flushed", request, message: flushed })
        : undefined;
      const report = manager
        ? manager.flush({ site: message.site, progress })
        : Promise.resolve(NOT_STARTED);
      // Answered when the run is over; the next messages go on meanwhile.
      void report.then((done) =>
        thread.postMessage({ kind: "flush-report", request, report: done })
      );
      return;
    }
    case "surgery": {
      const { request } = message;
      if (!surgeon) {
        return thread.postMessage({
          kind: "surgery-report",
          request,
          error: "the queue manager is not running",
        });
      }
      // Answered when done; a message being delivered waits for its
      // attempt, and the next messages go on meanwhile.
      void surgeon.perform(message.surgery).then(
        (report) =>
          thread.postMessage({ kind: "surgery-report", request, report }),
        (error) =>
          thread.postMessage({
            kind: "surgery-report",
            request,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
      return;
    }
    case "reload":
      config = message.config;
      return await configureLogging(
        message.config,
        message.foreground,
        toSyslog,
      );
    case "status":
      return thread.postMessage({
        kind: "status",
        request: message.request,
        activeMessages: manager?.activeCount() ?? 0,
      });
    case "smtpd-link":
      return smtpdLinks.linked(message.link, message.port);
    case "smtpd-unlink":
      return smtpdLinks.unlinked(message.link);
    case "smtp-client-failed":
    case "local-delivery-failed":
      return agents?.failed(message);
    case "stop":
      await manager?.stop(message.deadlineMs);
      agents?.stop();
      stopTrim();
      stopIdleWatch();
      closeSyncedDirectories();
      await closeLogging();
      spares.flush();
      return thread.postMessage({ kind: "stopped" });
  }
}

let handled: Promise<void> = Promise.resolve();
thread.onmessage = (event) => {
  const message = event.data;
  // A failed client's deliveries end now, not after a stop under way.
  if (
    message.kind === "smtp-client-failed" ||
    message.kind === "local-delivery-failed"
  ) return void handle(message);
  handled = handled.then(() => handle(message));
};
