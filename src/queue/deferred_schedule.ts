/**
 * The deferred schedule: which deferred messages a queue run takes.
 *
 * DESCRIPTION
 *   A deferred message's retry time is its file's mtime (store.ts). Postfix's
 *   qmgr stats every file of deferred/ at each queue run; with a large
 *   backlog that is a system call per message every queue_run_delay, and
 *   a directory listing of every name held in memory. Instead the queue
 *   manager reads deferred/ once, when its first queue run starts (one
 *   stat per file, in 10 ms slices so the thread keeps answering), and
 *   keeps each message's queue ID and retry time in a compact index
 *   (deferred_index.ts). A queue run then takes the IDs whose time has
 *   come from the index; the manager checks each one's mtime on disk
 *   before taking it, so a file gone meanwhile is skipped, and one whose
 *   mtime moved (an earlier entry outdated) is put back with its real time.
 *
 *   The queue manager is the only writer of deferred/ while it runs (queue
 *   surgery goes through it, and only its attempts move files there), so
 *   it keeps the index current: after an attempt that leaves a message in
 *   deferred/ it records the new retry time (one stat), and a message
 *   taken from deferred/ for any reason is forgotten. A file put into
 *   deferred/ by hand while the daemon runs is taken by the next flush
 *   (which lists the directory) or the next start; `mailsrv queue requeue`
 *   is the way to retry a message now. An entry of a message that left
 *   deferred/ behind the manager's back is dropped when it falls due.
 *
 *   Used by the queue manager (manager.ts). Needs read permission on the
 *   queue directory. Does NOT take or deliver anything.
 */
import { maillog } from "../log/maillog.ts";
import { TimeSlice } from "../common/time_slice.ts";
import { DeferredIndex } from "./deferred_index.ts";
import type { QueueStore } from "./store.ts";

const qmgr = maillog("qmgr");

/** The deferred messages of one queue and when each is due. */
export class DeferredSchedule {
  readonly #index = new DeferredIndex();
  readonly #store: QueueStore;
  readonly #now: () => number;
  #loading: Promise<void> | undefined;
  #loaded = false;
  #closed = false;

  constructor(store: QueueStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** How many messages the schedule holds. */
  get size(): number {
    return this.#index.size;
  }

  /** Whether deferred/ has been read (`size` then counts its messages). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /**
   * Reads the retry time of every file in deferred/, once; a failed read
   * is tried again at the next call.
   */
  load(): Promise<void> {
    this.#loading ??= this.#read().catch((error) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  async #read(): Promise<void> {
    const slice = new TimeSlice();
    for await (const id of this.#store.list("deferred")) {
      if (this.#closed) return;
      this.#record(id);
      await slice.pause();
    }
    this.#loaded = true;
  }

  /** Records the retry time of `id` if it sits in deferred/. */
  #record(id: string): void {
    try {
      const mtime = Deno.statSync(this.#store.path("deferred", id)).mtime;
      if (mtime) this.#index.set(id, mtime.getTime());
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        qmgr.warning(
          `${id}: cannot read the retry time: ${(error as Error).message}`,
        );
      }
    }
  }

  /**
   * The queue IDs due now, earliest first, taken out of the schedule;
   * reads deferred/ first if it has not been read yet.
   */
  async *due(): AsyncIterableIterator<string> {
    await this.load();
    yield* this.#index.takeDue(this.#now());
  }

  /**
   * An attempt on message `id` is over: if it was deferred, its new retry
   * time is recorded (one stat of deferred/<id>).
   */
  attempted(id: string): void {
    this.#record(id);
  }

  /** Message `id` is in deferred/, due at `dueMs` (its mtime). */
  set(id: string, dueMs: number): void {
    this.#index.set(id, dueMs);
  }

  /** Message `id` left deferred/ (taken by a flush, moved away). */
  forget(id: string): void {
    this.#index.delete(id);
  }

  /** Ends a read of deferred/ under way (the manager stops). */
  close(): void {
    this.#closed = true;
  }

  /** Whether message `id` is held as sitting in deferred/. */
  holds(id: string): boolean {
    return this.#index.has(id);
  }
}
