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
 *   The delivery happens in Workers with the daemon's grants: the queue
 *   manager in one (one_shot_worker.ts: the qmgr role), local delivery in
 *   another (agent_notice_threads.ts: the local role), the SMTP client
 *   in a third (the smtp role), so a flush is as
 *   bounded as the daemon.
 *
 *   Used by `mailsrv flush` (src/cli/flush.ts).
 *
 *   Does NOT create queue_directory: a queue that does not exist has
 *   nothing to deliver.
 */
import type { Config } from "../config/types.ts";
import type { FlushReport, FlushRequest } from "../queue/mod.ts";
import type { FromOneShot, ToOneShot } from "./one_shot_protocol.ts";
import { closeLogging, sendSyslogDatagram } from "../log/maillog.ts";
import { configureLogging } from "./logging.ts";
import { type QueueHolder, tryLockQueue } from "./queue_lock.ts";
import { createDeliveryAgentThreads } from "./delivery_agent_threads.ts";
import {
  localDeliveryThreadPermissions,
  queueManagerThreadPermissions,
  smtpClientThreadPermissions,
  workerPermissions,
} from "./role_permissions.ts";
import { gatherSandboxFacts } from "./sandbox_facts.ts";
import { watchCrashes } from "./thread_crash.ts";

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

const WORKER_URL = new URL("./one_shot_worker.ts", import.meta.url);

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
    // The Workers' syslog lines go out through this thread's socket.
    await configureLogging(config, false);
    return { kind: "done", report: await runInWorkers(config, request) };
  } finally {
    await closeLogging();
    taken.lock.release();
  }
}

/** The run, in its Workers; rejects with the Worker's reason. */
function runInWorkers(
  config: Config,
  request: FlushRequest,
): Promise<FlushReport> {
  const permissions = queueManagerThreadPermissions(config);
  const worker = watchCrashes(
    new Worker(WORKER_URL.href, {
      type: "module",
      name: "qmgr",
      deno: { permissions: workerPermissions(permissions) },
    }),
  );
  const post = (message: ToOneShot) => worker.postMessage(message);
  const agents = createDeliveryAgentThreads({
    foreground: false,
    tell: post,
    smtpClientPermissions: (of) =>
      workerPermissions(smtpClientThreadPermissions(of)),
    localDeliveryPermissions: (of) =>
      workerPermissions(
        localDeliveryThreadPermissions(of, gatherSandboxFacts(of)),
      ),
  });
  return new Promise<FlushReport>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<FromOneShot>) => {
      const message = event.data;
      switch (message.kind) {
        case "syslog":
          return sendSyslogDatagram(message.message);
        case "flushed":
          return request.progress?.(message.message);
        case "done":
          return resolve(message.report);
        case "failed":
          return reject(new Error(message.error));
        case "smtp-client-start":
        case "smtp-client-retire":
        case "local-delivery-start":
        case "local-delivery-retire":
          return agents.handle(message, config);
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    post({
      kind: "run",
      config,
      ...(request.site === undefined ? {} : { site: request.site }),
      progress: request.progress !== undefined,
    });
  }).finally(() => {
    agents.end();
    worker.terminate();
  });
}
