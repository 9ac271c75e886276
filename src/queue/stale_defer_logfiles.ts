/**
 * Removes defer logfiles (`defer/<id>`) that outlived their message.
 *
 * DESCRIPTION
 *   A defer logfile is removed with its message, but a failure in between
 *   (a full file system while the message was being deferred, a crash, an
 *   administrator removing a queue file by hand) can leave one behind, and
 *   `mailsrv queue` would never show it while it sits in defer/ for ever.
 *   No record may outlive its message, so the queue manager sweeps defer/
 *   when it starts and at every deferred queue run: a file named by a
 *   queue ID that no queue directory holds is removed.
 *
 *   The sweep is one synchronous step (a directory read and a handful of
 *   stat(2) calls per name), so no move made by the queue manager's own
 *   thread can slip in between; a move by another process (an administrator's
 *   command) at that very instant could cost that message its
 *   informational record, never the message. The queue manager says which
 *   messages its deferred schedule holds (deferred_schedule.ts), so the
 *   logfile of a deferred message costs no stat: a sweep reads defer/ and
 *   looks on disk only for the others. A message that left deferred/
 *   behind the manager's back keeps its logfile until its schedule entry
 *   falls due and is dropped; the next sweep removes it then.
 *
 *   Used by the queue manager (manager.ts). Needs read and write
 *   permission on the queue directory. Does NOT write defer logfiles
 *   (defer_logfiles.ts).
 */
import { join } from "node:path";
import { isQueueId } from "./queue_id.ts";
import { QUEUE_NAMES } from "./store.ts";

/** Whether message `id` sits in any queue under `queueDirectory`. */
function messageExists(queueDirectory: string, id: string): boolean {
  for (const queue of QUEUE_NAMES) {
    try {
      Deno.statSync(join(queueDirectory, queue, id));
      return true;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) return true;
    }
  }
  return false;
}

/**
 * Removes every defer logfile whose message is in no queue.
 * @param queueDirectory the queue's directory (holding defer/)
 * @param known says, without a system call, that a message exists (the
 *   queue manager's deferred schedule); others are looked for on disk
 * @returns the queue IDs whose logfile was removed
 */
export function removeStaleDeferLogfiles(
  queueDirectory: string,
  known: (id: string) => boolean = () => false,
): string[] {
  const defer = join(queueDirectory, "defer");
  const removed: string[] = [];
  for (const entry of Deno.readDirSync(defer)) {
    if (!entry.isFile || !isQueueId(entry.name)) continue;
    if (known(entry.name)) continue;
    if (messageExists(queueDirectory, entry.name)) continue;
    try {
      Deno.removeSync(join(defer, entry.name));
      removed.push(entry.name);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return removed;
}
