/**
 * The mbox lock protocol shared by delivery and POP3 (`src/fs/mbox_lock.ts`):
 * a long POP3 session's lock is never broken by a delivery.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { lockSessionMbox } from "../../../src/pop3/mailbox_lock.ts";
import { withTempDir } from "../delivery/test_message.ts";

/** One delivery lock attempt from another thread, with its clock at `clock`. */
async function deliverFromAnotherThread(
  path: string,
  clock: number,
): Promise<string> {
  const worker = new Worker(
    new URL("./delivery_lock_worker.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const outcome = new Promise<string>((done) => {
      worker.onmessage = (event: MessageEvent<string>) => done(event.data);
    });
    worker.postMessage({ path, clock });
    return await outcome;
  } finally {
    worker.terminate();
  }
}

const MINUTE = 60_000;

for (const refreshed of [true, false]) {
  Deno.test(`a POP3 session's mbox lock ${refreshed ? "touched every minute is never" : "left untouched is"} broken by delivery`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "bob");
      await Deno.writeTextFile(path, "");
      using file = await Deno.open(path, { read: true, write: true });
      let now = Date.now();
      let refresh: (() => Promise<void>) | undefined;
      const session = await lockSessionMbox(path, file, {
        clock: () => now,
        schedule: (fn) => {
          refresh = fn;
          return () => {};
        },
      });
      // An hour of session: the lock is touched every minute.
      for (let minute = 0; minute < 60; minute++) {
        now += MINUTE;
        if (refreshed) await refresh!();
      }
      const outcome = await deliverFromAnotherThread(path, now + MINUTE);
      if (refreshed) {
        assert.match(
          outcome,
          /^4\.2\.0: cannot lock mailbox .* is held by another process$/,
        );
        assert.equal(await session.dotlock.stillHeld(), true);
      } else {
        // The age rule broke the lock; only the flock still stood in the way.
        assert.match(outcome, /^4\.2\.0: .*locked by another process$/);
        assert.equal(await session.dotlock.stillHeld(), false);
      }
      await session.release();
    });
  });
}
