/**
 * Pickup (Postfix pickup): local submissions from maildrop/ into the
 * queue proper.
 *
 * DESCRIPTION
 *   `sendmail` writes complete, fsynced queue files into maildrop/
 *   through the queue's gate, daemon or no daemon. `createPickup(store)`
 *   returns the service that moves them on: each run lists maildrop/,
 *   reads each file's envelope (a file that does not parse goes to
 *   corrupt/ with a warning, as the queue manager does), renames it into
 *   incoming/, fsyncs incoming/ once for the whole batch, and only then
 *   announces each message to the queue manager, as a commit through the
 *   gate does. It logs Postfix's line
 *
 *     pickup: QUEUEID: uid=1000 from=<alice@example.com>
 *
 *   with the owner of the file as the submitting user.
 *
 *   Runs never overlap: a run asked for while one is under way makes one
 *   more run follow it, so a message dropped during a run is not missed.
 *   A file gone before its rename was taken by an earlier run.
 *
 *   Who runs it: the master at start (before the queue manager recovers
 *   incoming/), when `sendmail` asks over the control socket, when the
 *   maildrop/ directory changes, and every PICKUP_SCAN_SECONDS as a
 *   fallback (src/master/maildrop_watch.ts); a one-shot queue run
 *   (`mailsrv flush` with the daemon stopped) runs it once first.
 *
 *   Needs read and write permission on the queue. Does NOT rewrite the
 *   message: sendmail's submission already completed the headers and
 *   canonicalized the envelope (local_submission.ts).
 */
import { syncDirectory } from "../fs/sync_directory.ts";
import { maillog } from "../log/maillog.ts";
import { CorruptQueueFileError } from "./queue_file.ts";
import type { QueueStore } from "./store.ts";

/** The pickup service of one queue. */
export interface Pickup {
  /** Moves what maildrop/ holds now; resolves to how many moved. */
  run(): Promise<number>;
}

const log = maillog("pickup");

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The owner's uid of a maildrop file, or "?" if it cannot be told. */
function ownerOf(path: string): string {
  try {
    return String(Deno.statSync(path).uid ?? "?");
  } catch {
    return "?";
  }
}

/** One pass over maildrop/; the IDs moved into incoming/. */
async function pickUp(
  store: QueueStore,
  sync: (path: string) => Promise<void>,
): Promise<string[]> {
  const moved: string[] = [];
  for await (const id of store.list("maildrop")) {
    const path = store.path("maildrop", id);
    const uid = ownerOf(path);
    let sender: string;
    try {
      sender = (await store.readEnvelope("maildrop", id)).sender;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      if (error instanceof CorruptQueueFileError) {
        try {
          await store.move(id, "maildrop", "corrupt");
          log.warning(
            `${id}: uid=${uid}: corrupt queue file: ${error.message}; ` +
              `moved to corrupt/`,
          );
        } catch {
          // Taken by another pass meanwhile.
        }
        continue;
      }
      log.warning(`${id}: cannot read maildrop file: ${errorText(error)}`);
      continue;
    }
    try {
      await store.move(id, "maildrop", "incoming");
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        log.warning(`${id}: cannot move to incoming/: ${errorText(error)}`);
      }
      continue;
    }
    log.info(`${id}: uid=${uid} from=<${sender}>`);
    moved.push(id);
  }
  if (moved.length > 0) await sync(store.directory("incoming"));
  return moved;
}

/**
 * The pickup service of `store` (see the module comment).
 * @param sync makes a directory's entries durable (default: group commit)
 */
export function createPickup(
  store: QueueStore,
  sync: (path: string) => Promise<void> = (path) =>
    syncDirectory(path, { keepOpen: true }),
): Pickup {
  let running: Promise<number> | undefined;
  let again: Promise<number> | undefined;
  const pass = async (): Promise<number> => {
    const moved = await pickUp(store, sync);
    for (const id of moved) store.announce(id);
    return moved.length;
  };
  const run = (): Promise<number> => {
    if (running === undefined) {
      running = pass().finally(() => running = undefined);
      return running;
    }
    // One more pass after the current one covers every request made now.
    again ??= running.catch(() => 0).then(() => {
      again = undefined;
      return run();
    });
    return again;
  };
  return { run };
}
