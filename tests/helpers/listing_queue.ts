/**
 * A queue for listing tests, written directly in the queue file format:
 * `count` messages spread over incoming, active, deferred and hold, two
 * recipients each, every eleventh from the null sender, every third with
 * a defer logfile.
 */
import { encodeWholeQueueFile } from "../../src/queue/queue_file.ts";
import { formatDeferReasons } from "../../src/queue/defer_reasons.ts";
import { createQueueIdGenerator } from "../../src/queue/queue_id.ts";

/** The queues the messages are spread over, in turn. */
export const LISTED_TEST_QUEUES = [
  "incoming",
  "active",
  "deferred",
  "hold",
] as const;

/**
 * Writes the messages; `path` names a file of a queue (or of `defer`),
 * whose directories exist; `reason` is message `i`'s deferral reason.
 */
export function writeListingQueue(
  path: (queue: string, id: string) => string,
  count: number,
  reason: (i: number) => string,
): void {
  const nextId = createQueueIdGenerator();
  const content = new TextEncoder().encode("Subject: x\n\nbody\n");
  for (let i = 0; i < count; i++) {
    const id = nextId();
    const recipients = [`r${i}@d${i % 7}.example`, `s${i}@example.org`];
    const file = encodeWholeQueueFile(
      id,
      1_700_000_000_000 + i * 1000,
      {
        sender: i % 11 === 0 ? "" : `from${i}@example.org`,
        recipients,
        clientName: "c",
        clientAddress: "192.0.2.1",
        helo: "c",
        protocol: "ESMTP",
      },
      content,
    );
    const queue = LISTED_TEST_QUEUES[i % LISTED_TEST_QUEUES.length];
    Deno.writeFileSync(path(queue, id), file);
    if (i % 3 === 0) {
      Deno.writeTextFileSync(
        path("defer", id),
        formatDeferReasons([{ recipient: recipients[0], reason: reason(i) }]),
      );
    }
  }
}
