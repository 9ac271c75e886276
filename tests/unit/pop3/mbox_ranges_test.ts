/**
 * mbox byte ranges through the read-ahead window: the bytes asked for,
 * in any order, across the window's edge, straight reads for large
 * ranges, and a shrunk file refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  MBOX_WINDOW_SIZE,
  MboxRanges,
} from "../../../src/pop3/message_file.ts";
import type { MessageReader } from "../../../src/pop3/types.ts";

/** Everything `reader` gives, read `size` bytes at a time. */
function readAll(reader: MessageReader, size: number): Uint8Array {
  const out: number[] = [];
  const buffer = new Uint8Array(size);
  for (let i = 0; i < 1_000_000; i++) {
    const count = reader.read(buffer);
    if (count === null) break;
    out.push(...buffer.subarray(0, count));
  }
  reader.close();
  return Uint8Array.from(out);
}

async function withFile(
  bytes: Uint8Array,
  test: (file: Deno.FsFile, path: string) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "mbox");
  await Deno.writeFile(path, bytes);
  const file = await Deno.open(path, { read: true });
  try {
    await test(file, path);
  } finally {
    file.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const SIZE = 3 * MBOX_WINDOW_SIZE + 1234;
const content = Uint8Array.from({ length: SIZE }, (_, i) => (i * 7 + 3) % 251);

Deno.test("ranges read through the window are the file's bytes, in any order and across its edge", async () => {
  await withFile(content, (file) => {
    const ranges = new MboxRanges(file);
    const cases: [number, number, number][] = [
      [0, 4000, 32768],
      [4000, 9000, 7],
      [MBOX_WINDOW_SIZE - 100, MBOX_WINDOW_SIZE + 100, 4096],
      [10, 20, 3],
      [SIZE - 50, SIZE, 32768],
      [5, 5, 10],
      [0, MBOX_WINDOW_SIZE + 10, 32768],
      [100, 100 + 2 * MBOX_WINDOW_SIZE, 1000],
      [1, MBOX_WINDOW_SIZE - 1, 32768],
    ];
    for (const [start, end, size] of cases) {
      assert.deepEqual(
        readAll(ranges.range(start, end), size),
        content.subarray(start, end),
        `bytes ${start}-${end} in reads of ${size}`,
      );
    }
  });
});

Deno.test("a range beyond the file's end is refused, not padded", async () => {
  await withFile(content, (file) => {
    const ranges = new MboxRanges(file);
    assert.throws(
      () => readAll(ranges.range(SIZE - 10, SIZE + 10), 4096),
      /Mailbox shrank/,
    );
    assert.throws(
      () => readAll(ranges.range(SIZE - 10, SIZE + MBOX_WINDOW_SIZE), 4096),
      /Mailbox shrank/,
    );
  });
});
