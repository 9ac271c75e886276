/**
 * `mailsrv check`: room on the queue file system (queue_minfree).
 *
 * DESCRIPTION
 *   Warns when the file system that holds (or will hold) queue_directory
 *   has less free space than queue_minfree and message_size_limit ask for
 *   (config/queue_space.ts): the daemon would answer every MAIL FROM with
 *   `452 4.3.1 Insufficient system storage`. A warning, not an error: the
 *   configuration is right, the disk is full.
 *
 *   Reads nothing but statfs(2) of the directory, or of its nearest
 *   existing parent before `start` has created it.
 */
import { dirname } from "node:path";
import type { Config } from "../../config/types.ts";
import { queueSpaceWarning } from "../../config/queue_space.ts";
import { freeSpace } from "../../fs/free_space.ts";
import type { Findings } from "./findings.ts";

/** The nearest existing directory at or above `path`. */
function existingAncestor(path: string): string {
  for (let dir = path;; dir = dirname(dir)) {
    try {
      Deno.statSync(dir);
      return dir;
    } catch {
      if (dirname(dir) === dir) return dir;
    }
  }
}

/** Adds a warning when the queue file system is short of space. */
export function checkQueueSpace(config: Config, findings: Findings): void {
  const where = existingAncestor(config.queue_directory);
  const warning = queueSpaceWarning(
    config.queue_directory,
    freeSpace(where),
    config,
  );
  if (warning) findings.warning(warning);
}
