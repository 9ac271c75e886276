/**
 * How the queue administration commands reach the queue: through the
 * running daemon, or directly under the queue lock when it is stopped.
 *
 * DESCRIPTION
 *   While the daemon runs, its queue manager owns the active queue, so
 *   queue surgery is sent over the control socket. When no daemon
 *   answers, the command takes the queue lock (queue_lock.ts, holder
 *   `postsuper`) and works on the files itself: a daemon started
 *   meanwhile waits for the lock, so it never delivers a message being
 *   moved. A daemon that holds the lock but does not answer yet is
 *   starting: asked again shortly (bounded). A one-shot queue run
 *   (`mailsrv flush` with the daemon stopped) is delivering: the command
 *   gives up (exit 75) rather than race it.
 */
import {
  type ControlReply,
  type ControlRequest,
  controlRequest,
  DaemonNotRunningError,
} from "../master/control.ts";
import { type QueueHolder, tryLockQueue } from "../master/queue_lock.ts";

/** How many times a starting daemon is asked again, 200 ms apart. */
const LOOKS = 100;
const PAUSE_MS = 200;

/** The queue is held by a one-shot run, or a daemon that never answered. */
export class QueueBusyError extends Error {
  constructor(queueDirectory: string, holder: QueueHolder | undefined) {
    super(
      holder?.kind === "daemon" || holder === undefined
        ? `the daemon holds queue "${queueDirectory}" but does not answer; try again`
        : `queue "${queueDirectory}" is in use by ${holder.kind} (pid ${holder.pid}); try again when it has finished`,
    );
    this.name = "QueueBusyError";
  }
}

/** A daemon's reply saying it is not ready for the request yet. */
function starting(reply: ControlReply): boolean {
  return !reply.ok &&
    (reply.error === "starting" || reply.error === "the daemon is starting");
}

/**
 * Sends `request` to the daemon, or, when none runs, calls `direct` with
 * the queue lock held.
 * @returns the daemon's reply, or `direct`'s result
 * @throws QueueBusyError
 */
export async function viaDaemonOrLocked<T>(
  queueDirectory: string,
  request: ControlRequest,
  direct: () => Promise<T> | T,
): Promise<{ reply: ControlReply } | { result: T }> {
  let holder: QueueHolder | undefined;
  for (let look = 0; look < LOOKS; look++) {
    try {
      const reply = await controlRequest(queueDirectory, request, Infinity);
      if (!starting(reply)) return { reply };
    } catch (error) {
      if (!(error instanceof DaemonNotRunningError)) throw error;
      const taken = await tryLockQueue(queueDirectory, "postsuper");
      if (taken.lock) {
        try {
          return { result: await direct() };
        } finally {
          taken.lock.release();
        }
      }
      holder = taken.holder;
      if (holder && holder.kind !== "daemon") break;
    }
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  throw new QueueBusyError(queueDirectory, holder);
}

/**
 * Whether a daemon runs on the queue; when not, `direct` runs with the
 * queue lock held, else `beside` runs without it.
 * @throws QueueBusyError
 */
export async function besideDaemonOrLocked<T>(
  queueDirectory: string,
  direct: () => Promise<T> | T,
  beside: () => Promise<T> | T,
): Promise<T> {
  const outcome = await viaDaemonOrLocked(
    queueDirectory,
    { command: "ping" },
    direct,
  );
  return "result" in outcome ? outcome.result : await beside();
}
