/**
 * When the daemon runs pickup: maildrop/ is watched, and scanned anyway.
 *
 * DESCRIPTION
 *   `watchMaildrop` runs the pickup service (src/queue/pickup.ts) when a
 *   file appears in maildrop/ (Deno.watchFs, inotify on Linux) and every
 *   PICKUP_SCAN_SECONDS whatever happens, as Postfix's pickup both
 *   listens on a FIFO and polls. `sendmail` also asks over the control
 *   socket (the master's `pickup` command), so a submission is normally
 *   taken at once even where file watching is not available; the watch
 *   covers files dropped by other means (a copy from another host's
 *   maildrop), the scan covers a watch that failed.
 *
 *   Used by the master. Needs read permission on maildrop/.
 *
 *   Does NOT move files itself.
 */
import { join } from "node:path";
import { maillog } from "../log/maillog.ts";
import type { Pickup } from "../queue/mod.ts";

/** The fallback scan of maildrop/, in seconds (Postfix polls each 60 s). */
export const PICKUP_SCAN_SECONDS = 60;

/** A running watch; `close` ends it. */
export interface MaildropWatch {
  close(): void;
}

const log = maillog("pickup");

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Watches `queueDirectory`/maildrop/ and runs `pickup` (see above). */
export function watchMaildrop(
  queueDirectory: string,
  pickup: Pickup,
  scanSeconds = PICKUP_SCAN_SECONDS,
): MaildropWatch {
  const run = () =>
    void pickup.run().catch((error) =>
      log.warning(`maildrop scan failed: ${errorText(error)}`)
    );
  const timer = setInterval(run, scanSeconds * 1000);
  let watcher: Deno.FsWatcher | undefined;
  try {
    watcher = Deno.watchFs(join(queueDirectory, "maildrop"), {
      recursive: false,
    });
  } catch (error) {
    log.warning(
      `cannot watch maildrop/ (scanning every ${scanSeconds}s instead): ` +
        errorText(error),
    );
  }
  if (watcher) {
    const events = watcher;
    (async () => {
      for await (const event of events) {
        if (
          event.kind === "create" || event.kind === "rename" ||
          event.kind === "modify"
        ) run();
      }
    })().catch((error) =>
      log.warning(
        `maildrop/ watch ended (scanning every ${scanSeconds}s instead): ` +
          errorText(error),
      )
    );
  }
  return {
    close() {
      clearInterval(timer);
      try {
        watcher?.close();
      } catch {
        // Already closed.
      }
    },
  };
}
