/**
 * `mailsrv queue` — the mail queue: list it (postqueue -p, -j), operate
 * on it (postsuper), show a message (postcat -q) and its shape (qshape).
 *
 * DESCRIPTION
 *   mailsrv queue [--json]                      list (mailq)
 *   mailsrv queue delete|hold|release|requeue ID…|ALL|- [QUEUE…]
 *   mailsrv queue purge | repair                 postsuper -p | -s
 *   mailsrv queue show ID [--envelope] [--headers] [--body]
 *   mailsrv queue shape [-s] [QUEUE…]            qshape
 *
 *   Listing, show and shape read the queue directories directly (headers
 *   only for the listing), so they work whether or not the daemon runs.
 *   Surgery goes through the running daemon's queue manager, or acts on
 *   the files under the queue lock when it is stopped (queue_surgery.ts).
 */
import { type Command, EXIT, UsageError } from "./command.ts";
import { configFor } from "./daemon_client.ts";
// The listing's own modules, not queue/mod.ts or store.ts: `mailsrv queue`
// is run often, and those (the manager, maps, logging) would cost its
// start-up a third more. Surgery and inspection load theirs when run.
import { listedQueues, printQueueListing } from "../queue/listing_pool.ts";
import {
  SURGERY_QUEUE_NAMES,
  type SurgeryOperation,
} from "../queue/surgery.ts";
import type { QueueName } from "../queue/types.ts";

const SURGERY: readonly SurgeryOperation[] = [
  "delete",
  "hold",
  "release",
  "requeue",
];

/** Splits surgery operands into IDs and trailing queue names. */
export function idsAndQueues(operands: readonly string[]): {
  names: string[];
  queues?: QueueName[];
} {
  let split = operands.length;
  while (
    split > 0 && SURGERY_QUEUE_NAMES.includes(operands[split - 1] as QueueName)
  ) split--;
  const names = operands.slice(0, split);
  const queues = operands.slice(split) as QueueName[];
  if (names.length === 0) {
    throw new UsageError("expected queue IDs, ALL or -");
  }
  return { names, ...(queues.length > 0 ? { queues } : {}) };
}

/** Writes to standard error, as postsuper does. */
const toStderr = (warn: (text: string) => void) => ({ line: warn });

/** The `queue` subcommand. */
export const queueCommand: Command = {
  name: "queue",
  summary: "list and manage the mail queue (postqueue, postsuper, postcat)",
  usage: "queue [--json] | queue delete|hold|release|requeue ID…|ALL|- " +
    "[QUEUE…] | queue purge|repair|show ID|shape [QUEUE…]",
  description:
    `Without a subcommand, lists every queued message — ID, size, arrival
time, sender and the recipients not yet delivered — in the layout of
Postfix's postqueue -p (mailq): "*" after the ID of a message being
delivered, "!" after one on hold, the last deferral reason in parentheses
above the recipients it applies to, and a total at the end. --json prints
one JSON object per message and line, as postqueue -j.

Queue surgery, as Postfix's postsuper (which "mailsrv postsuper" also
accepts, flags and all). Each takes queue IDs, "-" to read IDs from
standard input (one per line), or ALL (upper case only, as a safety
catch), optionally followed by queue names that limit it (maildrop,
incoming, active, deferred, hold):
  delete    remove messages (postsuper -d)
  hold      put messages on hold: no delivery, no expiry (postsuper -h)
  release   return held messages to delivery at once (postsuper -H)
  requeue   deliver messages again now, routing every pending recipient
            anew with the current tables and settings (after editing
            transport, virtual or relay maps) and forgetting the old
            deferral reasons (postsuper -r)
  purge     remove temporary files older than a day (postsuper -p)
  repair    move files that are not readable queue files, or not named by
            their queue ID, to corrupt/; remove stale defer logfiles
            (postsuper -s)
With the daemon running the queue manager does the work: a message being
delivered is deleted, held or requeued once its current attempt is over
(the command waits for it), so nothing is delivered twice or lost. With the
daemon stopped the command acts on the files, holding the queue lock.
Output is postsuper's, on standard error ("postsuper: ID: removed",
"postsuper: Deleted: 2 messages").

show ID prints a message as postcat -q does: the envelope (arrival,
sender, client, each recipient with its status: P pending, W pending with
its delay notice sent, D delivered, B bounced, and its DSN notify and
original recipient), then the message. --envelope, --headers and --body
show only those parts (header and body without the section lines).

shape prints the queue's shape as qshape does: messages by recipient
domain (by sender domain with -s) and age in minutes (T is the total; 5
counts messages under 5 minutes old, 10 under 10, and so on; 1280+ the
older ones), for incoming and active by default, or the queues named.`,
  options: {
    json: { type: "boolean", short: "j" },
    envelope: { type: "boolean", short: "e" },
    headers: { type: "boolean" },
    body: { type: "boolean", short: "b" },
    senders: { type: "boolean", short: "s" },
  },
  maxOperands: Infinity,
  async run(context) {
    const [action, ...rest] = context.operands;
    const config = await configFor(context);
    const output = toStderr(context.warn);
    if (action === undefined) {
      // Reads only: a missing queue lists as empty, nothing is created.
      try {
        await printQueueListing(listedQueues(config.queue_directory), {
          json: context.values.json === true,
          print: context.print,
        });
      } catch (error) {
        // `mailsrv queue | head`: the reader has seen enough (Postfix
        // stops quietly on EPIPE too).
        if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
      }
      return EXIT.ok;
    }
    if (SURGERY.includes(action as SurgeryOperation)) {
      const { names, queues } = idsAndQueues(rest);
      const { runSurgery } = await import("./queue_surgery.ts");
      return await runSurgery(
        config,
        [{ operation: action as SurgeryOperation, names }],
        queues,
        output,
      );
    }
    switch (action) {
      case "purge":
      case "repair":
        if (rest.length > 0) {
          throw new UsageError(`unexpected argument "${rest[0]}"`);
        }
        {
          const { runPurge, runRepair } = await import("./queue_surgery.ts");
          return action === "purge"
            ? await runPurge(config, output, false)
            : await runRepair(config, output);
        }
      case "show":
        if (rest.length !== 1) throw new UsageError("expected one queue ID");
        return await (await import("./queue_inspect.ts")).runShow(
          config,
          rest[0],
          {
            envelope: context.values.envelope === true,
            headers: context.values.headers === true,
            body: context.values.body === true,
          },
          context,
        );
      case "shape":
        return await (await import("./queue_inspect.ts")).runShape(
          config,
          rest,
          context.values.senders === true,
          context,
        );
      default:
        throw new UsageError(`unknown queue subcommand "${action}"`);
    }
  },
};
