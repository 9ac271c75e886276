/**
 * Whether the daemon may create queue_directory, and creating it.
 *
 * DESCRIPTION
 *   `start` makes the queue's own directories (queue_directory itself and
 *   its maildrop/, incoming/, … subdirectories), never a new tree above
 *   it: `queue_directory = "/var/spool/mialsrv/queue"` must not leave a
 *   stray /var/spool/mialsrv behind and run a queue nobody looks at. So
 *   the parent of queue_directory must already exist, and the daemon
 *   refuses to start, naming the path, when it does not.
 *
 *   The embedded default (no configuration file) keeps everything under
 *   its home's `var/`, which it creates on first start as before.
 *
 *   Used by the daemon before anything is written, and by `mailsrv check`
 *   (which creates nothing and only reports the plan).
 */
import { dirname } from "node:path";
import type { Config } from "../config/types.ts";
import { ConfigError } from "../config/config_error.ts";
import { reasonOf } from "../maps/table_availability.ts";

/** What starting would do with queue_directory. */
export type QueuePlan =
  | { readonly kind: "exists" }
  /** Missing; start creates it (and, embedded default, its parents). */
  | { readonly kind: "create" }
  | { readonly kind: "refuse"; readonly reason: string };

async function statOrUndefined(
  path: string,
): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Looks at queue_directory and its parent; creates nothing. */
export async function queuePlan(
  config: Pick<Config, "queue_directory" | "configFile">,
): Promise<QueuePlan> {
  const queue = config.queue_directory;
  const info = await statOrUndefined(queue);
  if (info) {
    return info.isDirectory
      ? { kind: "exists" }
      : { kind: "refuse", reason: `"${queue}" is not a directory` };
  }
  if (config.configFile === null) return { kind: "create" };
  const parent = dirname(queue);
  const parentInfo = await statOrUndefined(parent);
  if (!parentInfo) {
    return {
      kind: "refuse",
      reason:
        `"${queue}" cannot be created: its parent directory "${parent}" ` +
        `does not exist (a typo? mailsrv creates the queue directory, not ` +
        `the directories above it)`,
    };
  }
  if (!parentInfo.isDirectory) {
    return { kind: "refuse", reason: `"${parent}" is not a directory` };
  }
  return { kind: "create" };
}

/**
 * Creates queue_directory (mode 0700) when missing; its subdirectories
 * are the queue store's business.
 * @throws ConfigError naming queue_directory when it cannot be used
 */
export async function prepareQueueDirectory(config: Config): Promise<void> {
  const plan = await queuePlan(config);
  if (plan.kind === "refuse") {
    throw new ConfigError(plan.reason, {
      file: config.configFile,
      key: "queue_directory",
    });
  }
  if (plan.kind !== "create") return;
  try {
    await Deno.mkdir(config.queue_directory, {
      recursive: config.configFile === null,
      mode: 0o700,
    });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return;
    throw new ConfigError(
      `cannot create "${config.queue_directory}": ${reasonOf(error)}`,
      { file: config.configFile, key: "queue_directory" },
    );
  }
}
