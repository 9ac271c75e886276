/**
 * Queue upkeep (Postfix postsuper -p and -s): stale temporary files, and
 * files that do not belong where they are.
 *
 * DESCRIPTION
 *   purgeStaleFiles (postsuper -p, `mailsrv queue purge`): tmp/ holds
 *   files being written and spares (retired queue files the running
 *   daemon reuses, `spare.<id>`). A file being written is never stale
 *   while its writer lives, and a writer that has not written for a day
 *   is gone, so as in Postfix (MAX_TEMP_AGE) only files older than a day
 *   are removed. Spares belong to the running daemon and are left alone
 *   while it runs; with the daemon stopped nobody uses them.
 *
 *   checkStructure (postsuper -s, `mailsrv queue repair`): in the message
 *   queues (maildrop, incoming, active, deferred, hold) every entry must
 *   be a readable queue file named by its queue ID. Anything else is
 *   moved to corrupt/ (kept for inspection, never deleted): a name that
 *   is not a queue ID, an object that is not a plain file, a file that
 *   does not parse or whose ID is not its name. Empty subdirectories are
 *   removed (Postfix removes alien directories). Defer logfiles whose
 *   message is in no queue are removed. While the daemon runs, active/
 *   is its own and is not looked at; a file the queue manager takes
 *   meanwhile is simply gone by the time it would be moved.
 *
 *   Used by the CLI (cli/queue_surgery.ts) with the queue lock held or
 *   beside a running daemon; needs read and write access to the queue.
 */
import { join } from "node:path";
import { readEnvelope } from "./queue_file_reader.ts";
import { isQueueId } from "./queue_id.ts";
import type { QueueStore } from "./store.ts";
import type { QueueName } from "./types.ts";

/** Temporary files younger than this are in use (Postfix MAX_TEMP_AGE). */
export const MAX_TEMP_AGE_MS = 24 * 60 * 60 * 1000;

/** The queues that hold messages, as the structure check walks them. */
const MESSAGE_QUEUES: readonly QueueName[] = [
  "maildrop",
  "incoming",
  "active",
  "deferred",
  "hold",
];

/** Whether the daemon runs beside this upkeep, and the time. */
export interface UpkeepOptions {
  readonly daemonRunning: boolean;
  readonly now?: () => number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Removes stale files from tmp/.
 * @returns the names removed
 */
export function purgeStaleFiles(
  store: QueueStore,
  options: UpkeepOptions,
): string[] {
  const now = (options.now ?? Date.now)();
  const tmp = store.directory("tmp");
  const removed: string[] = [];
  for (const entry of Deno.readDirSync(tmp)) {
    const path = join(tmp, entry.name);
    let stale: boolean;
    if (entry.name.startsWith("spare.")) stale = !options.daemonRunning;
    else {
      try {
        const mtime = Deno.lstatSync(path).mtime?.getTime() ?? now;
        stale = now - mtime > MAX_TEMP_AGE_MS;
      } catch {
        continue; // gone meanwhile: committed or removed by its writer
      }
    }
    if (!stale) continue;
    try {
      Deno.removeSync(path, { recursive: entry.isDirectory });
      removed.push(entry.name);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return removed;
}

/** What the structure check did. */
export interface StructureReport {
  /** Files moved to corrupt/: where from (`queue/name`), as what, why. */
  readonly moved: readonly {
    readonly from: string;
    readonly to: string;
    readonly why: string;
  }[];
  /** Stale defer logfiles and empty directories removed (`dir/name`). */
  readonly removed: readonly string[];
}

/** A free name in corrupt/ for `name`. */
function corruptName(store: QueueStore, name: string): string {
  for (let n = 0; n < 1000; n++) {
    const candidate = n === 0 ? name : `${name}.${n}`;
    try {
      Deno.lstatSync(store.path("corrupt", candidate));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return candidate;
      throw error;
    }
  }
  throw new Error(`no free name in corrupt/ for "${name}"`);
}

/** Why `entry` of `queue` does not belong there, or undefined. */
function misfit(
  store: QueueStore,
  queue: QueueName,
  entry: Deno.DirEntry,
): string | undefined {
  if (!entry.isFile) return "not a plain file";
  if (!isQueueId(entry.name)) return "bogus file name";
  try {
    readEnvelope(store.path(queue, entry.name), entry.name);
    return undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    return errorText(error);
  }
}

/** Checks and repairs the queue structure. */
export function checkStructure(
  store: QueueStore,
  options: UpkeepOptions,
): StructureReport {
  const moved: { from: string; to: string; why: string }[] = [];
  const removed: string[] = [];
  const present = new Set<string>();
  for (const queue of MESSAGE_QUEUES) {
    const owned = queue === "active" && options.daemonRunning;
    for (const entry of Deno.readDirSync(store.directory(queue))) {
      if (owned) {
        present.add(entry.name);
        continue;
      }
      if (entry.isDirectory) {
        try {
          Deno.removeSync(store.path(queue, entry.name));
          removed.push(`${queue}/${entry.name}`);
          continue;
        } catch {
          // Not empty: moved to corrupt/ below, contents and all.
        }
      }
      const why = entry.isDirectory
        ? "not a plain file"
        : misfit(store, queue, entry);
      if (why === undefined) {
        present.add(entry.name);
        continue;
      }
      const to = corruptName(store, entry.name);
      try {
        Deno.renameSync(
          store.path(queue, entry.name),
          store.path("corrupt", to),
        );
        moved.push({ from: `${queue}/${entry.name}`, to, why });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
  }
  for (const entry of Deno.readDirSync(store.directory("defer"))) {
    if (!entry.isFile || !isQueueId(entry.name) || present.has(entry.name)) {
      continue;
    }
    // Look again: the message may have moved between queues meanwhile.
    const somewhere = MESSAGE_QUEUES.some((q) => {
      try {
        Deno.lstatSync(store.path(q, entry.name));
        return true;
      } catch {
        return false;
      }
    });
    if (somewhere) continue;
    try {
      Deno.removeSync(store.path("defer", entry.name));
      removed.push(`defer/${entry.name}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return { moved, removed };
}
