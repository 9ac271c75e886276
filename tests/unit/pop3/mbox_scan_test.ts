/**
 * mbox scanning: boundaries, byte ranges, POP3 sizes and UIDLs.
 *
 * The expected UIDLs (and, for LF files, start offsets) were produced by
 * vm-pop3d 1.1.7's own pop3_getsizes (`extra.c`, DirectAdmin 1.1.7f
 * tarball) compiled against the same fixtures; see the module comments of
 * `mbox_scan.ts` and `vm_pop3d_uidl.ts` for the rule.
 */
import assert from "node:assert/strict";
import { type MboxIndex, scanMbox } from "../../../src/pop3/mbox_scan.ts";

const F = "From a@example.org Mon Jan  1 00:00:00 2001\n";
const encoder = new TextEncoder();

/** Scans `text` fed in chunks of `size` bytes. */
function scan(text: string, size = 1 << 16): Promise<MboxIndex> {
  const bytes = encoder.encode(text);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    chunks.push(bytes.subarray(i, i + size));
  }
  return scanMbox(chunks);
}

/** [start, size, uidl] per message. */
async function summary(text: string, size?: number) {
  const index = await scan(text, size);
  return index.messages.map((m) => [m.start, m.size, m.uidl]);
}

const FIXTURES: Record<string, { text: string; expected: unknown[][] }> = {
  "From after a blank line separates, after text it does not": {
    text: F + "Subject: x\n\nhello\n\n" + F.replace("a@", "b@") +
      "Subject: y\n\nbody\nFrom not a boundary\n\n",
    expected: [
      [44, 23, "e9abd22269c13a7a04cf90331689a57a"],
      [107, 43, "d572f7fd92a7e1befb74ebbdea049275"],
    ],
  },
  "a From line right after a From line is body text": {
    text: F + F + "a\n",
    expected: [[44, 48, "21c85f2ed4a7628e3f2c183749c4ab53"]],
  },
  "long lines are hashed as 127-byte pieces": {
    text: F + "X: " + "a".repeat(124) + "\nY: " + "b".repeat(300) + "\nZ: " +
      "c".repeat(250) + "\n\nbody\n\n",
    expected: [[44, 699, "18fc9af829be4b88d0a32d36ef1f8dfc"]],
  },
  "a 127-byte line counts as empty before From (vm-pop3d's fgets)": {
    text: F + "a".repeat(127) + "\nFrom looks like boundary\nend\n",
    expected: [
      [44, 129, "278e5f69a81a3f4456849202d8cb6f7e"],
      [197, 5, "12a0b7bbf33901f52bb71195f8508559"],
    ],
  },
  "only the first 26 lines decide the UIDL": {
    text: F +
      Array.from({ length: 40 }, (_, i) => `H${i}: ${"v".repeat(i)}\n`)
        .join("") +
      "\nbody\n",
    expected: [[44, 1058, "4b8e87e118f2a3471d012641dae3c2e6"]],
  },
  "a last line without LF": {
    text: F + "Subject: short\n" + "X".repeat(60) + "\n\n" + F + "abc",
    expected: [
      [44, 80, "716f2d04b6e3fc1e66814aac62a2065a"],
      [165, 3, "776258a08e74cddd039784994a0535aa"],
    ],
  },
  "a long header and an unfinished last line": {
    text: F + "Subject: " + "q".repeat(100) + "\nlast line no eol",
    expected: [[44, 127, "ea531337f3b23a927f949825f78a2985"]],
  },
  "bytes before the first separator belong to no message": {
    text: "garbage line\nmore\n\n" + F + "Subject: p\n\nx\n",
    expected: [[63, 17, "5af9d6b4082d0c4263b402ad5d001045"]],
  },
  "a From line longer than a buffer": {
    text: "From " + "z".repeat(300) + "\nSubject: lf\n\nx\n",
    expected: [[306, 18, "41502d93aa88a644fe65c2d33150a041"]],
  },
};

for (const [name, { text, expected }] of Object.entries(FIXTURES)) {
  Deno.test(`vm-pop3d fixture: ${name}`, async () => {
    assert.deepEqual(await summary(text), expected);
  });
  Deno.test(`same result in 1-, 3- and 7-byte chunks: ${name}`, async () => {
    for (const size of [1, 3, 7]) {
      assert.deepEqual(await summary(text, size), expected);
    }
  });
}

Deno.test("identical messages: the first keeps vm-pop3d's UIDL, later ones get .2", async () => {
  const text = F + "Subject: same\n\nsame\n\n" + F +
    "Subject: same\n\nsame\n\n";
  assert.deepEqual((await scan(text)).messages.map((m) => m.uidl), [
    "f4de0c2ad82234797feefd43d310b8dd",
    "f4de0c2ad82234797feefd43d310b8dd.2",
  ]);
});

Deno.test("extents: separator, body range and end; LF counts as two octets", async () => {
  const text = F + "A: 1\n\nx\n\n" + F + "B: 2\n";
  const index = await scan(text);
  const [one, two] = index.messages;
  assert.equal(index.length, encoder.encode(text).length);
  assert.deepEqual(
    [one.separatorOffset, one.start, one.end],
    [0, F.length, F.length + 9],
  );
  assert.equal(text.slice(one.start, one.end), "A: 1\n\nx\n\n");
  assert.equal(one.size, 9 + 4); // four LFs
  assert.deepEqual(
    [two.separatorOffset, two.start, two.end],
    [one.end, one.end + F.length, text.length],
  );
  assert.equal(two.size, 6);
});

Deno.test("CRLF mbox: CRLF blank lines separate and CRLF counts as two octets", async () => {
  const crlf = (s: string) => s.replaceAll("\n", "\r\n");
  const text = crlf(F + "Subject: x\n\nhi\n\n" + F + "Subject: y\n\nyo\n");
  const index = await scan(text, 5);
  assert.equal(index.messages.length, 2);
  const [one, two] = index.messages;
  assert.equal(text.slice(one.start, one.end), crlf("Subject: x\n\nhi\n\n"));
  assert.equal(one.size, one.end - one.start);
  assert.equal(two.size, crlf("Subject: y\n\nyo\n").length);
});

Deno.test("an empty file and a file without separators have no messages", async () => {
  assert.deepEqual((await scan("")).messages, []);
  assert.deepEqual((await scan("no mbox here\n\nreally\n")).messages, []);
});
