import assert from "node:assert/strict";
import { join } from "node:path";
import { openLogFile } from "../../../src/log/log_file.ts";

Deno.test("log file: lines are appended in order, batched, and flushed on close", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "maillog");
    await Deno.writeTextFile(path, "earlier line\n");
    const log = await openLogFile(path);
    for (let i = 0; i < 500; i++) log.append(`line ${i}\n`);
    await Promise.resolve();
    log.append("last\n");
    await log.close();
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.equal(lines[0], "earlier line");
    assert.equal(lines[1], "line 0");
    assert.equal(lines[500], "line 499");
    assert.equal(lines[501], "last");
    assert.equal(lines.length, 503);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
