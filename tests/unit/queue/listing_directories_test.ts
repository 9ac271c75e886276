import assert from "node:assert/strict";
import { join } from "node:path";
import { listingDirectories } from "../../../src/queue/listing_directories.ts";

Deno.test("listing directories: sorted queue IDs per queue, in the order asked, the defer logfiles as a set", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-listing-dirs-" });
  try {
    const defer = join(home, "defer");
    const deferred = join(home, "deferred");
    const hold = join(home, "hold");
    for (const d of [defer, deferred, hold]) await Deno.mkdir(d);
    const ids = ["8E9zzzzzzzzzzzz", "8E9aaaaaaaaaaaa", "8E9MMMMMMMMMMMM"];
    for (const id of ids) await Deno.writeTextFile(join(deferred, id), "");
    await Deno.writeTextFile(join(deferred, "not-a-queue-id"), "");
    await Deno.mkdir(join(deferred, "8E9dddddddddddd"));
    await Deno.writeTextFile(join(hold, "8E9bbbbbbbbbbbb"), "");
    await Deno.writeTextFile(join(defer, ids[0]), "");
    await Deno.writeTextFile(join(defer, "anything"), "");

    const read = listingDirectories(defer, [
      hold,
      join(home, "maildrop"),
      deferred,
    ]);
    assert.deepEqual(
      [...await read.deferLogfiles].sort(),
      ["8E9zzzzzzzzzzzz", "anything"],
    );
    assert.deepEqual(await read.queue(0), ["8E9bbbbbbbbbbbb"]);
    assert.deepEqual(await read.queue(1), [], "a missing queue is empty");
    assert.deepEqual(await read.queue(2), [...ids].sort());
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("listing directories: an unreadable directory fails its own read only", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-listing-dirs-" });
  try {
    const file = join(home, "incoming");
    await Deno.writeTextFile(file, "a file, not a directory");
    const read = listingDirectories(join(home, "defer"), [file]);
    assert.equal((await read.deferLogfiles).size, 0);
    await assert.rejects(read.queue(0));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
