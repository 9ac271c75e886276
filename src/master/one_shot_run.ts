/**
 * A one-shot queue run: `mailsrv flush` with the daemon stopped.
 *
 * DESCRIPTION
 *   A dial-up box may run no daemon at all, or stop it while the link is
 *   down; `/etc/ppp/ip-up.d/` then runs `mailsrv flush`, which delivers
 *   from the queue in this process and exits: what a previous run left in
 *   active/, everything in incoming/, and the deferred mail the flush
 *   asks for (all of it, or one site's), retry times ignored and
 *   defer_transports overridden, as a flush through the daemon does.
 *   Bounces and notices it writes go through the queue's gate and get
 *   their attempt in the same run. There is no periodic deferred/ run.
 *
 *   The run holds the queue lock (queue_lock.ts) from before it opens the
 *   queue until it has finished, so a daemon started meanwhile waits for
 *   it, and a run never starts beside a daemon: it reports the holder
 *   instead. It logs to maillog_file as the daemon does.
 *
 *   Used by `mailsrv flush` (src/cli/flush.ts). Needs the daemon's
 *   permissions for delivery (queue, mailboxes, commands).
 *
 *   Does NOT create queue_directory: a queue that does not exist has
 *   nothing to deliver.
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
  type FlushRequest,
  type QueueManager,
  QueueStore,
} from "../queue/mod.ts";
import { configureLogging } from "./logging.ts";
import { type QueueHolder, tryLockQueue } from "./queue_lock.ts";

/** The run's report, or who holds the queue instead. */
export type OneShotResult =
  | { readonly kind: "done"; readonly report: FlushReport }
  | { readonly kind: "busy"; readonly holder: QueueHolder | undefined };

const NOTHING: FlushReport = {
  messages: 0,
  sent: 0,
  deferred: 0,
  bounced: 0,
  errors: 0,
  interrupted: false,
};

async function queueExists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Delivers from `config`'s queue in this process, as `request` asks, and
 * resolves once the run (and what it gave rise to) is over.
 */
export async function runQueueOnce(
  config: Config,
  request: FlushRequest = {},
): Promise<OneShotResult> {
  if (!(await queueExists(config.queue_directory))) {
    return { kind: "done", report: NOTHING };
  }
  const taken = await tryLockQueue(config.queue_directory, "flush");
  if (!taken.lock) return { kind: "busy", holder: taken.holder };
  try {
    await configureLogging(config, false);
    const log = maillog("flush");
    log.info(
      `one-shot queue run started${
        request.site === undefined ? "" : ` for site ${request.site}`
      }`,
    );
    const store = await QueueStore.open(config.queue_directory, {
      clearStaging: false,
    });
    const enqueue = createEnqueue(store);
    // sendmail's submissions first: they go in this run too.
    await createPickup(store).run();
    const current = () => config;
    const manager: QueueManager = createQueueManager({
      store,
      enqueue,
      config: current,
      deliver: createRouter(current, {
        resubmit: createResubmit(
          enqueue,
          config.myhostname,
          createForwardSender(current),
        ),
        // Asked only during deliveries, once the manager exists.
        flushing: () => manager.flushing(),
      }),
      queueRuns: false,
    });
    await manager.start();
    const report = await manager.flush(request);
    // Recovered active/ files and the notices of this run, too.
    await manager.whenIdle();
    await manager.stop(0);
    log.info(
      `one-shot queue run finished: ${report.messages} messages, ` +
        `${report.sent} sent, ${report.deferred} deferred, ` +
        `${report.bounced} bounced`,
    );
    return { kind: "done", report };
  } finally {
    closeSyncedDirectories();
    await closeLogging();
    taken.lock.release();
  }
}
