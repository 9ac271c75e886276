/**
 * Test fixture: a delivery agent's mbox lock attempt in a thread of its
 * own, as the queue manager thread makes it beside the POP3 sessions.
 * Receives `{ path, clock }`, tries once, posts the outcome.
 */
import { withMailboxLock } from "../../../src/delivery/mailbox/lock.ts";

interface Attempt {
  readonly path: string;
  readonly clock: number;
}

const worker = self as unknown as {
  onmessage: (event: MessageEvent<Attempt>) => void;
  postMessage: (outcome: string) => void;
};

worker.onmessage = async ({ data }) => {
  using file = await Deno.open(data.path, { append: true });
  const outcome = await withMailboxLock(
    data.path,
    file,
    () => Promise.resolve("locked"),
    { attempts: 1, clock: () => data.clock },
  ).catch((error) => `${error.dsn}: ${error.message}`);
  worker.postMessage(outcome);
};
