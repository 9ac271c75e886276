/**
 * `mailsrv queue show` (postcat -q) and `mailsrv queue shape` (qshape):
 * read-only looks at the queue, safe beside a running daemon.
 */
import type { Config } from "../config/types.ts";
import {
  collectShape,
  findQueuedMessage,
  formatQueuedMessage,
  formatShape,
  queueListing,
  type QueueName,
  QueueStore,
  type ShowParts,
} from "../queue/mod.ts";
import { type CommandContext, EXIT, UsageError } from "./command.ts";
import { writeAllSync } from "../fs/write_all.ts";

/** The queues qshape may be given. */
const SHAPE_QUEUES: readonly QueueName[] = [
  "maildrop",
  "incoming",
  "active",
  "deferred",
  "hold",
];

function openStore(config: Config): Promise<QueueStore> {
  // A running daemon owns tmp/: never clear it from here.
  return QueueStore.open(config.queue_directory, { clearStaging: false });
}

/** Shows message `id`; exit 1 with postcat's words when it is not queued. */
export async function runShow(
  config: Config,
  id: string,
  parts: ShowParts,
  context: Pick<CommandContext, "warn">,
): Promise<number> {
  const store = await openStore(config);
  let message;
  try {
    message = findQueuedMessage(store, id);
  } catch (error) {
    context.warn(
      `postcat: fatal: ${id}: ${
        error instanceof Error ? error.message : error
      }`,
    );
    return EXIT.failure;
  }
  if (!message) {
    context.warn(
      `postcat: fatal: open queue file ${id}: No such file or directory`,
    );
    return EXIT.failure;
  }
  for (const piece of formatQueuedMessage(message, parts)) {
    writeAllSync(Deno.stdout, piece);
  }
  return EXIT.ok;
}

/** Prints the queue's shape. */
export async function runShape(
  config: Config,
  queues: readonly string[],
  senders: boolean,
  context: Pick<CommandContext, "print">,
): Promise<number> {
  for (const queue of queues) {
    if (!SHAPE_QUEUES.includes(queue as QueueName)) {
      throw new UsageError(`invalid queue name "${queue}"`);
    }
  }
  const store = await openStore(config);
  const chosen = queues.length > 0
    ? queues as QueueName[]
    : ["incoming", "active"] as QueueName[];
  const counts = collectShape(queueListing(store, chosen), {
    senders,
    now: Date.now(),
  });
  context.print(formatShape(counts));
  return EXIT.ok;
}
