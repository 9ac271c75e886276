/**
 * The JS heap a POP3 Maildir snapshot keeps, per message: what pop3d
 * holds for a session's whole length, and the size cache it keeps after.
 *
 *   python3 ../shared/bench/gen_mailbox.py --maildir /tmp/md --n 20000 --size 4096
 *   deno run -A --v8-flags=--expose-gc bench/pop3_snapshot_heap.ts /tmp/md
 *
 * Opens the Maildir as pop3d does, takes the snapshot (the first STAT),
 * collects garbage and prints the growth of the heap divided by the
 * messages: with the size cache (files without `,W=` are sized once and
 * cached per name), and without it (the snapshot alone). Linux or not;
 * needs --expose-gc.
 */
import { openMaildirMaildrop } from "../src/pop3/maildrop_maildir.ts";

const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (gc === undefined || Deno.args.length !== 1) {
  console.error(
    "usage: deno run -A --v8-flags=--expose-gc bench/pop3_snapshot_heap.ts MAILDIR",
  );
  Deno.exit(2);
}

function settledHeap(): number {
  gc!();
  gc!();
  return Deno.memoryUsage().heapUsed;
}

const before = settledHeap();
const cache = new Map<string, number>();
const maildrop = await openMaildirMaildrop(Deno.args[0], { sizeCache: cache });
const listing = await maildrop.scan();
const perMessage = (bytes: number) => Math.round(bytes / listing.count);
console.log(`messages=${listing.count}`);
console.log(
  `snapshot_and_cache_bytes_per_msg=${perMessage(settledHeap() - before)}`,
);
cache.clear();
console.log(`snapshot_bytes_per_msg=${perMessage(settledHeap() - before)}`);
await maildrop.release();
