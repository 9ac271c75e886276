/**
 * Queue surgery (Postfix postsuper -d, -h, -H, -r): delete, hold, release
 * and requeue messages by queue ID, or ALL of them.
 *
 * DESCRIPTION
 *   Each operation is one rename (or the removal) of the message's file,
 *   looked for in the queues the operation applies to, in Postfix's
 *   default order unless the administrator names queues:
 *
 *     delete    maildrop, incoming, active, deferred, hold: the file and
 *               its defer logfile are removed
 *     hold      incoming, active, deferred: moved to hold/, where the
 *               queue manager never looks (nor does the queue lifetime
 *               run out: it counts again once released)
 *     release   hold: moved to incoming/, so the queue manager takes it
 *               at once
 *     requeue   incoming, active, deferred, hold: moved to incoming/ and
 *               its defer logfile removed, so the queue manager takes it
 *               at once and routes every pending recipient again with the
 *               current tables and settings (mailsrv decides routing at
 *               each attempt; nothing about a message is cached but its
 *               old deferral reasons)
 *
 *   A message in active/ belongs to the queue manager. The `owner` says
 *   which messages it is delivering right now: the operation on those
 *   waits until their attempt is over (`attemptOver`, called by the
 *   manager synchronously before it takes more work) and then applies to
 *   the file where the attempt left it — deferred/ usually, or nowhere
 *   when every recipient was delivered (then nothing is done: the message
 *   is not counted). So a message is never delivered after it was
 *   reported deleted or held, and never pulled from under a delivery.
 *   Without a running queue manager (the daemon stopped, the caller holds
 *   the queue lock) nothing is owned.
 *
 *   Queue IDs are never reused (queue_id.ts), so a name always means the
 *   same message. A name that is not a queue ID is reported invalid, and
 *   `ALL` must be in upper case, as with postsuper.
 *
 *   The file system operations are synchronous, so no queue scan of the
 *   same thread can move a file between the look and the rename; a scan
 *   in another process only loses the race (its rename finds nothing).
 *   Used by the queue manager's thread (qmgr_worker.ts) and by `mailsrv
 *   queue` / `mailsrv postsuper` with the daemon stopped. Output wording
 *   is the CLI's (surgery_text.ts).
 */
import { isQueueId } from "./queue_id.ts";
import type { QueueStore } from "./store.ts";
import type { QueueName } from "./types.ts";

/** What postsuper can do to a message. */
export type SurgeryOperation = "delete" | "hold" | "release" | "requeue";

/** The queues an operation may act in, in the order they are searched. */
export const SURGERY_QUEUES: Readonly<
  Record<SurgeryOperation, readonly QueueName[]>
> = {
  delete: ["maildrop", "incoming", "active", "deferred", "hold"],
  hold: ["incoming", "active", "deferred"],
  release: ["hold"],
  requeue: ["incoming", "active", "deferred", "hold"],
};

/** The queue names an administrator may give. */
export const SURGERY_QUEUE_NAMES: readonly QueueName[] = [
  "maildrop",
  "incoming",
  "active",
  "deferred",
  "hold",
];

/** One surgery request: an operation on named messages or ALL. */
export interface SurgeryRequest {
  readonly operation: SurgeryOperation;
  /** Queue IDs, or "ALL". */
  readonly ids: readonly string[] | "ALL";
  /** Limit to these queues (default SURGERY_QUEUES[operation]). */
  readonly queues?: readonly QueueName[];
}

/** What a request did. */
export interface SurgeryReport {
  readonly operation: SurgeryOperation;
  /** The IDs acted on, in request order (may be left out for ALL). */
  readonly done: readonly string[];
  /** How many messages were acted on. */
  readonly count: number;
  /** Names that are not queue IDs. */
  readonly invalid: readonly string[];
  /** Messages that could not be acted on, with why. */
  readonly failed: readonly { readonly id: string; readonly error: string }[];
}

/** The running queue manager's part, when there is one. */
export interface SurgeryOwner {
  /** Whether message `id` is in the middle of a delivery attempt. */
  isBusy(id: string): boolean;
  /** Message `id` is in incoming/ again: take it now. */
  requeued(id: string): void;
}

const NOBODY: SurgeryOwner = { isBusy: () => false, requeued: () => {} };

function exists(path: string): boolean {
  try {
    return Deno.lstatSync(path).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** The queues `operation` searches, limited to `named` when given. */
export function surgeryQueues(
  operation: SurgeryOperation,
  named?: readonly QueueName[],
): QueueName[] {
  const allowed = SURGERY_QUEUES[operation];
  return named ? named.filter((q) => allowed.includes(q)) : [...allowed];
}

/** Surgery on one queue directory, with or without a queue manager. */
export interface QueueSurgeon {
  /** Carries out `request`; resolves when every message was dealt with. */
  perform(request: SurgeryRequest): Promise<SurgeryReport>;
  /**
   * The attempt on message `id` is over (the manager calls this before it
   * takes more work): operations waiting for it are applied now.
   */
  attemptOver(id: string): void;
}

/**
 * A surgeon for `store`'s queue.
 * @param options.discard removes a message file (default: unlink); the
 *   queue manager's thread keeps it as a spare (store.remove)
 */
export function createQueueSurgeon(
  store: QueueStore,
  owner: SurgeryOwner = NOBODY,
  options: {
    readonly discard?: (queue: QueueName, id: string) => void;
    readonly now?: () => number;
  } = {},
): QueueSurgeon {
  const now = options.now ?? Date.now;
  const discard = options.discard ??
    ((queue: QueueName, id: string) => Deno.removeSync(store.path(queue, id)));
  const waiting = new Map<string, Array<() => void>>();

  /** Applies `operation` to `id` where it is now; false if not found. */
  function apply(
    operation: SurgeryOperation,
    queues: readonly QueueName[],
    id: string,
  ): boolean {
    for (const queue of queues) {
      const path = store.path(queue, id);
      if (!exists(path)) continue;
      try {
        switch (operation) {
          case "delete":
            removeIfPresent(store.path("defer", id));
            discard(queue, id);
            return true;
          case "hold":
            Deno.renameSync(path, store.path("hold", id));
            return true;
          case "release":
          case "requeue": {
            if (operation === "requeue") {
              removeIfPresent(store.path("defer", id));
            }
            const target = store.path("incoming", id);
            if (queue !== "incoming") Deno.renameSync(path, target);
            const when = new Date(now());
            Deno.utimeSync(target, when, when);
            owner.requeued(id);
            return true;
          }
        }
      } catch (error) {
        // Lost a race with the queue manager of another process: look on.
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return false;
  }

  /** Applies now, or once the current attempt on `id` is over. */
  function applyWhenFree(
    operation: SurgeryOperation,
    queues: readonly QueueName[],
    id: string,
  ): Promise<boolean> {
    if (!owner.isBusy(id)) return Promise.resolve(apply(operation, queues, id));
    // After the attempt the file may have moved on (deferred/, or back
    // to active/ when the manager stopped): look in every queue searched,
    // and in active/ and deferred/ where an attempt leaves it.
    const after = [...new Set<QueueName>([...queues, "deferred", "active"])]
      .filter((q) => SURGERY_QUEUES[operation].includes(q));
    return new Promise((resolve, reject) => {
      const list = waiting.get(id) ?? [];
      list.push(() => {
        try {
          resolve(apply(operation, after, id));
        } catch (error) {
          reject(error);
        }
      });
      waiting.set(id, list);
    });
  }

  function allIds(queues: readonly QueueName[]): string[] {
    const ids: string[] = [];
    for (const queue of queues) {
      try {
        for (const entry of Deno.readDirSync(store.directory(queue))) {
          if (entry.isFile && isQueueId(entry.name)) ids.push(entry.name);
        }
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return [...new Set(ids)].sort();
  }

  return {
    async perform(request) {
      const queues = surgeryQueues(request.operation, request.queues);
      const invalid: string[] = [];
      let ids: string[];
      if (request.ids === "ALL") ids = allIds(queues);
      else {
        ids = [];
        for (const id of request.ids) {
          if (isQueueId(id)) ids.push(id);
          else invalid.push(id);
        }
      }
      const failed: { id: string; error: string }[] = [];
      const outcomes = await Promise.all(
        ids.map((id) =>
          applyWhenFree(request.operation, queues, id).catch((error) => {
            failed.push({
              id,
              error: error instanceof Error ? error.message : String(error),
            });
            return false;
          })
        ),
      );
      const done = ids.filter((_, i) => outcomes[i]);
      return {
        operation: request.operation,
        done,
        count: done.length,
        invalid,
        failed,
      };
    },
    attemptOver(id) {
      const list = waiting.get(id);
      if (!list) return;
      waiting.delete(id);
      for (const run of list) run();
    },
  };
}
