/**
 * Removes defer logfiles (`defer/<id>`) that outlived their message.
 *
 * DESCRIPTION
 *   A defer logfile is removed with its message, but a failure in between
 *   (a full file system while the message was being deferred, a crash, an
 *   administrator removing a queue file by hand) can leave one behind, and
 *   `mailsrv queue` would never show it while it sits in defer/ for ever.
 *   No record may outlive its message, so the queue manager sweeps defer/
 *   when it starts, at flushes and at deferred queue runs
 *   (defer_sweep.ts): a file named by a queue ID that no queue directory
 *   holds is removed.
 *
 *   Each name is checked and removed in one synchronous step (a handful
 *   of stat(2) calls), so no move made by the queue manager's own thread
 *   can slip in between; a move by another process (an administrator's
 *   command) at that very instant could cost that message its
 *   informational record, never the message. When a sweep reads all of
 *   defer/ and when it checks only some names is defer_sweep.ts's
 *   decision. The queue manager says which messages its deferred
 *   schedule holds (deferred_schedule.ts), so the
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
import { TimeSlice } from "../common/time_slice.ts";
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
 * Removes the defer logfile of message `id` if the message is in no
 * queue; true if it did. One synchronous step, so no move made by the
 * queue manager's own thread can slip in between the look and the unlink.
 * @param known says, without a system call, that a message exists
 */
export function removeIfStale(
  queueDirectory: string,
  id: string,
  known: (id: string) => boolean = () => false,
): boolean {
  if (known(id) || messageExists(queueDirectory, id)) return false;
  try {
    Deno.removeSync(join(queueDirectory, "defer", id));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Removes every defer logfile whose message is in no queue. defer/ is
 * listed asynchronously, in time slices (Deno's synchronous listing of a
 * big directory left the thread megabytes it did not give back); each
 * name is then checked and removed in one synchronous step.
 * @param queueDirectory the queue's directory (holding defer/)
 * @param known says, without a system call, that a message exists (the
 *   queue manager's deferred schedule); others are looked for on disk
 * @returns the queue IDs whose logfile was removed
 */
export async function removeStaleDeferLogfiles(
  queueDirectory: string,
  known: (id: string) => boolean = () => false,
): Promise<string[]> {
  const removed: string[] = [];
  const slice = new TimeSlice();
  for await (const entry of Deno.readDir(join(queueDirectory, "defer"))) {
    if (!entry.isFile || !isQueueId(entry.name)) continue;
    if (removeIfStale(queueDirectory, entry.name, known)) {
      removed.push(entry.name);
    }
    await slice.pause();
  }
  return removed;
}
