/**
 * The spare pool: spent queue files kept in tmp/ for the next messages.
 *
 * DESCRIPTION
 *   Creating a file costs far more than truncating and renaming one on
 *   ext4 (measured here: ~590 µs of system time against ~30 µs), so a
 *   removed message hands its file, renamed to `tmp/spare.<id>`, to the
 *   next new message instead of being unlinked. The store adopts spares
 *   (its own, or those the queue manager's thread sends back); the gate
 *   (enqueue.ts) takes them.
 *
 *   A spare is reopened without O_TRUNC: its old content is overwritten
 *   and cut at commit (the writer truncates to the length it wrote).
 *   O_TRUNC would free every block only for the next message to allocate
 *   them again, and freeing blocks is the expensive part.
 *
 *   tmp/ is emptied at start (store.ts), so a spare never outlives the
 *   daemon. Needs read and write permission on tmp/.
 *
 *   Does NOT decide when a file is spent (the store's remove does).
 */
import { join } from "node:path";

/** At most this many spares are kept; more are unlinked. */
export const MAX_SPARE_FILES = 256;

/** A spare taken for a new message: its path in tmp/ and the open file. */
export interface SpareFile {
  readonly path: string;
  readonly file: Deno.FsFile;
}

/** The spare files of one tmp/ directory. */
export class SparePool {
  /** Names in tmp/ of spent queue files ready for reuse. */
  readonly #names: string[] = [];

  /** @param tmpDirectory the queue's tmp/ */
  constructor(readonly tmpDirectory: string) {}

  /**
   * An open spare file, skipping any that vanished from tmp/; undefined
   * when none is left.
   */
  take(): SpareFile | undefined {
    for (let name = this.#names.pop(); name; name = this.#names.pop()) {
      const path = join(this.tmpDirectory, name);
      try {
        return { path, file: Deno.openSync(path, { write: true }) };
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return undefined;
  }

  /**
   * Keeps `name`, a spent queue file in tmp/, for the next new message;
   * past MAX_SPARE_FILES it is unlinked instead, in the background: an
   * unlink frees blocks, slow enough to stall the sessions of this thread
   * after a burst. Never fails: a spare that cannot be unlinked is left
   * for tmp/ to be emptied at the next start.
   */
  adopt(name: string): void {
    if (this.#names.length < MAX_SPARE_FILES) this.#names.push(name);
    else Deno.remove(join(this.tmpDirectory, name)).catch(() => {});
  }
}
