/**
 * The Worker of a one-shot queue run (`mailsrv flush` with no daemon).
 *
 * DESCRIPTION
 *   Runs the queue manager with the grants the daemon's queue manager
 *   thread gets (the qmgr role: no mailbox, no run, no net), so a flush
 *   from a ppp `ip-up` hook is as bounded as the daemon. Its SMTP client
 *   and its local, virtual and pipe agents are proxies
 *   (smtp_client_proxy.ts, local_delivery_proxy.ts) to Workers that
 *   `mailsrv flush` starts with the smtp and the local role's grants, as
 *   the master does.
 *
 *   One `run` message: pick up maildrop/, deliver what the flush asks
 *   for (what a previous run left in active/, incoming/, and deferred
 *   mail of all sites or one) and the notices this gives rise to, then
 *   answer `done` with the report (`flushed` per message before, when
 *   asked) once the log is closed, or `failed`.
 *
 *   Does NOT take the queue lock (one_shot_run.ts holds it around the
 *   Worker) nor run deferred/ periodically.
 */
import type { Config } from "../config/types.ts";
import { createRouter } from "../delivery/router.ts";
import { closeSyncedDirectories } from "../fs/sync_directory.ts";
import { closeLogging, maillog } from "../log/maillog.ts";
import {
  createEnqueue,
  createForwardSender,
  createPickup,
  createQueueManager,
  createResubmit,
  type FlushReport,
  type QueueManager,
  QueueStore,
} from "../queue/mod.ts";
import {
  createDeliveryAgentProxies,
  type DeliveryAgentProxies,
} from "./delivery_agent_proxies.ts";
import { configureLogging } from "./logging.ts";
import type { FromOneShot, ToOneShot } from "./one_shot_protocol.ts";
import { reportCrashes } from "./thread_crash.ts";

reportCrashes();

/** The worker global, as far as this thread uses it. */
const thread = self as unknown as {
  postMessage(message: FromOneShot, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToOneShot>) => void) | null;
};

let agents: DeliveryAgentProxies | undefined;

/** The run itself (one_shot_run.ts's comment says what it delivers). */
async function deliver(
  config: Config,
  site: string | undefined,
  progress: boolean,
): Promise<FlushReport> {
  await configureLogging(
    config,
    false,
    (message) => thread.postMessage({ kind: "syslog", message }),
  );
  const log = maillog("flush");
  log.info(
    `one-shot queue run started${
      site === undefined ? "" : ` for site ${site}`
    }`,
  );
  const store = await QueueStore.open(config.queue_directory, {
    clearStaging: false,
  });
  const enqueue = createEnqueue(store);
  // sendmail's submissions first: they go in this run too.
  await createPickup(store).run();
  const current = () => config;
  const deliveryAgents = agents = createDeliveryAgentProxies(
    (notice, transfer) => thread.postMessage(notice, transfer),
    current,
    createResubmit(enqueue, config.myhostname, createForwardSender(current)),
  );
  const manager: QueueManager = createQueueManager({
    store,
    enqueue,
    config: current,
    deliver: createRouter(current, {
      // Asked only during deliveries, once the manager exists.
      flushing: () => manager.flushing(),
      smtpAgent: deliveryAgents.smtpAgent,
      localAgent: deliveryAgents.localAgent,
    }),
    queueRuns: false,
  });
  await manager.start();
  const report = await manager.flush({
    ...(site === undefined ? {} : { site }),
    progress: progress
      ? (message) => thread.postMessage({ kind: "flushed", message })
      : undefined,
  });
  // Recovered active/ files and the notices of this run, too.
  await manager.whenIdle();
  await manager.stop(0);
  deliveryAgents.stop();
  log.info(
    `one-shot queue run finished: ${report.messages} messages, ` +
      `${report.sent} sent, ${report.deferred} deferred, ` +
      `${report.bounced} bounced`,
  );
  return report;
}

async function run(message: Extract<ToOneShot, { kind: "run" }>) {
  let answer: FromOneShot;
  try {
    const report = await deliver(
      message.config,
      message.site,
      message.progress,
    );
    answer = { kind: "done", report };
  } catch (error) {
    answer = {
      kind: "failed",
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    closeSyncedDirectories();
    await closeLogging();
  }
  // Last: the Worker is ended once this arrives.
  thread.postMessage(answer);
}

thread.onmessage = (event) => {
  const message = event.data;
  if (message.kind === "run") return void run(message);
  agents?.failed(message);
};
