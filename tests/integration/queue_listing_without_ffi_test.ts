/**
 * `mailsrv queue` where the C library cannot be called (the ffi
 * permission denied, as on a system without glibc): the listing reads
 * through Deno's file API instead and prints the same text and JSON, for
 * a queue large enough to be read by the listing threads.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  LISTED_TEST_QUEUES,
  writeListingQueue,
} from "../helpers/listing_queue.ts";
import { PARALLEL_FROM } from "../../src/queue/listing_pool.ts";
import { mailsrvCommand, runMailsrv } from "../helpers/daemon.ts";

/** Writes `count` messages in the listed queues, some with reasons. */
function writeQueue(queueDirectory: string, count: number): void {
  for (const q of [...LISTED_TEST_QUEUES, "defer"]) {
    Deno.mkdirSync(join(queueDirectory, q), { recursive: true });
  }
  writeListingQueue(
    (queue, id) => join(queueDirectory, queue, id),
    count,
    (i) => `busy ${i}`,
  );
}

/** `mailsrv ARGS…` run as the tests run it, but with ffi denied. */
async function withoutFfi(args: string[]): Promise<string> {
  const [command, run, ...rest] = mailsrvCommand(args);
  const out = await new Deno.Command(command, {
    args: [run, "--deny-ffi", "--no-prompt", ...rest],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  assert.equal(out.code, 0, decoder.decode(out.stderr));
  return decoder.decode(out.stdout);
}

Deno.test("mailsrv queue without the C library lists what it lists with it", async () => {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-listing-noffi-" });
  try {
    const queueDirectory = join(home, "queue");
    writeQueue(queueDirectory, PARALLEL_FROM + 50);
    const config = join(home, "mailsrv.toml");
    Deno.writeTextFileSync(
      config,
      `queue_directory = ${JSON.stringify(queueDirectory)}\n`,
    );
    for (const json of [[], ["--json"]]) {
      const args = ["queue", ...json, "--config", config];
      const direct = await runMailsrv(args);
      assert.equal(direct.code, 0, direct.stderr);
      assert.ok(direct.stdout.includes("busy 3"), "reasons are listed");
      assert.equal(await withoutFfi(args), direct.stdout);
    }
    const text = await withoutFfi(["queue", "--config", config]);
    assert.match(text, new RegExp(`in ${PARALLEL_FROM + 50} Requests\\.\\n$`));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
