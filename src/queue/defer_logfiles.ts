/**
 * The defer logfiles `defer/<id>` of one queue, as files.
 *
 * DESCRIPTION
 *   Writes, reads and removes the informational file that says why
 *   recipients of a message were deferred (format: defer_reasons.ts). It
 *   is written without fsync: the queue file's status bytes decide what
 *   is delivered, so a lost defer logfile only costs `mailsrv queue` its
 *   `(reason)` lines.
 *
 *   Most messages are delivered at the first attempt and never get a
 *   defer logfile, so removing theirs would be a failing unlink per
 *   message. Messages committed in this process and not deferred since
 *   are remembered (`committed`), and their removal skips the unlink.
 *   The memory is bounded: past MAX_FRESH_IDS messages are simply
 *   treated as possibly deferred.
 *
 *   Used by the store (store.ts); needs read and write permission on
 *   defer/. Does NOT decide when a message is deferred.
 */
import { join } from "node:path";
import {
  type DeferReason,
  formatDeferReasons,
  parseDeferReasons,
} from "./defer_reasons.ts";

/** Messages remembered as certainly without a defer logfile, at most. */
const MAX_FRESH_IDS = 100_000;

/** The defer/ directory of one queue. */
export class DeferLogfiles {
  /** Committed here and never deferred: certainly no defer logfile. */
  readonly #fresh = new Set<string>();

  /** @param directory the queue's defer/ */
  constructor(readonly directory: string) {}

  /** Notes that message `id` was just committed: it has no logfile. */
  committed(id: string): void {
    if (this.#fresh.size < MAX_FRESH_IDS) this.#fresh.add(id);
  }

  /** Replaces the defer logfile of message `id` (not fsynced). */
  write(id: string, reasons: readonly DeferReason[]): void {
    this.#fresh.delete(id);
    Deno.writeTextFileSync(
      join(this.directory, id),
      formatDeferReasons(reasons),
      { mode: 0o600 },
    );
  }

  /** Recipient → reason from the logfile; empty when there is none. */
  async read(id: string): Promise<Map<string, string>> {
    try {
      return parseDeferReasons(
        await Deno.readTextFile(join(this.directory, id)),
      );
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return new Map();
      throw error;
    }
  }

  /** Removes the defer logfile of message `id`, if any. */
  remove(id: string): void {
    if (this.#fresh.delete(id)) return;
    try {
      Deno.removeSync(join(this.directory, id));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}
