/**
 * Announces again what waits in incoming/ and active/, for the master's
 * queue store: after a link between smtpd and the queue manager closed,
 * notices sent on it may never have been read (commit_links.ts).
 *
 * DESCRIPTION
 *   Every message in incoming/ was durable before its notice left smtpd,
 *   so the directory holds whatever such a notice named. The store's
 *   subscriber (qmgr_thread.ts) does the rest as for any commit: a dormant
 *   queue manager is started (its start-up scan takes active/ and
 *   incoming/), a stopping one is started again once stopped, and a
 *   running one takes each ID; one it already has or already took is
 *   dropped without a word (the rename out of incoming/ finds nothing).
 *   active/ counts for a dormant queue manager only: a message a stopping
 *   thread had just moved there is recovered at the next start.
 *
 *   The IDs are collected first and announced in one turn, so they reach
 *   the queue manager as one batch. Used by daemon.ts.
 */
import { maillog } from "../log/maillog.ts";
import type { QueueStore } from "../queue/mod.ts";

/** Announces every message of incoming/ and active/ through `store`. */
export async function announceWaiting(store: QueueStore): Promise<void> {
  const ids: string[] = [];
  try {
    for (const queue of ["incoming", "active"] as const) {
      for await (const id of store.list(queue)) ids.push(id);
    }
  } catch (error) {
    maillog("master").warning(
      `cannot look for waiting mail: ${(error as Error).message}`,
    );
  }
  for (const id of ids) store.announce(id);
}
