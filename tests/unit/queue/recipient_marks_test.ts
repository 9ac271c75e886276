import assert from "node:assert/strict";
import { join } from "node:path";
import {
  encodeQueueFileHeader,
  encodeSizeField,
  parseQueueFile,
} from "../../../src/queue/queue_file.ts";
import { markDelayWarned } from "../../../src/queue/recipient_marks.ts";
import type { NewEnvelope } from "../../../src/queue/types.ts";
import { testEnvelope } from "./config_fixture.ts";

const ID = "0Ab3xYz12kLmN9q";

/** Writes a queue file for `envelope` and returns its path. */
function writeQueueFile(dir: string, envelope: NewEnvelope): string {
  const header = encodeQueueFileHeader(ID, 1_700_000_000_000, envelope);
  const body = new TextEncoder().encode("Hi\n");
  const bytes = new Uint8Array(header.bytes.length + body.length);
  bytes.set(header.bytes);
  bytes.set(encodeSizeField(body.length), header.sizeOffset);
  bytes.set(body, header.bytes.length);
  const path = join(dir, ID);
  Deno.writeFileSync(path, bytes);
  return path;
}

function warnFirst(path: string): string {
  const bytes = Deno.readFileSync(path);
  const { recipients } = parseQueueFile(bytes, bytes.length);
  markDelayWarned(path, ID, [recipients[0].statusOffset]);
  const after = Deno.readFileSync(path);
  assert.equal(
    parseQueueFile(after, after.length).recipients[0].delayWarned,
    true,
  );
  return new TextDecoder().decode(after).split("\n")[0];
}

Deno.test("a delay notice raises a version 1 file to version 2", () => {
  const dir = Deno.makeTempDirSync();
  try {
    assert.equal(
      warnFirst(writeQueueFile(dir, testEnvelope())),
      "MAILSRV-QUEUE 2",
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a delay notice keeps a version 3 file (content filter) at version 3", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const envelope = testEnvelope(["bob@example.test"], { filter: "smtp:" });
    assert.equal(warnFirst(writeQueueFile(dir, envelope)), "MAILSRV-QUEUE 3");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
