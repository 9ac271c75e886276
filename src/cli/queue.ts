/**
 * `mailsrv queue` — the queue in Postfix's `postqueue -p` (mailq) layout.
 *
 * DESCRIPTION
 *   Reads the queue directories directly (headers only, never message
 *   content), so it works whether or not the daemon runs. `*` marks
 *   messages being delivered, `!` held ones; deferred messages show their
 *   last reason in parentheses.
 */
import { type Command, EXIT } from "./command.ts";
import { configFor } from "./daemon_client.ts";
import {
  formatQueueListingStream,
  queueListing,
  QueueStore,
} from "../queue/mod.ts";

/** The `queue` subcommand. */
export const queueCommand: Command = {
  name: "queue",
  summary: "list the mail queue (postqueue -p)",
  usage: "queue [--config PATH]",
  description:
    `Lists every queued message — ID, size, arrival time, sender and the
recipients not yet delivered — in the layout of Postfix's postqueue -p, with
the last deferral reason of deferred mail, and a total at the end.`,
  options: {},
  async run(context) {
    const config = await configFor(context);
    // A running daemon owns tmp/: never clear it from here.
    const store = await QueueStore.open(config.queue_directory, {
      clearStaging: false,
    });
    for await (const text of formatQueueListingStream(queueListing(store))) {
      context.print(text);
    }
    return EXIT.ok;
  },
};
