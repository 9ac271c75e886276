/**
 * Commit notices: who is told that a message is durable in incoming/.
 *
 * DESCRIPTION
 *   The gate (enqueue.ts) announces each message it commits to incoming/;
 *   the queue manager subscribes and takes it at once, without polling
 *   (Postfix's cleanup triggers qmgr the same way). When the gate runs in
 *   another thread than the manager, the master forwards its notices and
 *   the manager's thread announces them again on its own side.
 *
 *   A notice comes only after the commit is durable; a listener that
 *   throws is logged and ignored, since the message is safe either way.
 *
 *   No I/O. Does NOT queue notices for listeners that subscribe later:
 *   the manager's scans of incoming/ cover what it did not hear.
 */
import { maillog } from "../log/maillog.ts";

/** Listeners of the messages committed to one queue's incoming/. */
export class CommitNotices {
  readonly #listeners = new Set<(id: string) => void>();

  /**
   * Calls `listener` with the queue ID of each message announced from
   * now on.
   * @returns a function that ends the subscription
   */
  subscribe(listener: (id: string) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Tells every listener that message `id` is durable in incoming/. */
  announce(id: string): void {
    for (const listener of this.#listeners) {
      try {
        listener(id);
      } catch (error) {
        // The message is durable either way; a listener bug must not
        // turn a committed message into a failed reply.
        maillog("cleanup").error(
          `${id}: commit listener failed: ${(error as Error).message}`,
        );
      }
    }
  }
}
