/**
 * One suite, run against every mailbox writer (Maildir and mbox): what a
 * mailbox reader sees must not depend on the format chosen.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { deliverToMaildir } from "../../../../src/delivery/mailbox/maildir.ts";
import { deliverToMbox } from "../../../../src/delivery/mailbox/mbox.ts";
import {
  DeliveryError,
  type DeliveryMessage,
} from "../../../../src/delivery/types.ts";
import {
  havePython,
  readWithPython,
  unquoteMboxrd,
} from "../python_mailbox.ts";
import {
  bytes,
  concatBytes,
  testMessage,
  withTempDir,
} from "../test_message.ts";

/** A mailbox writer as the suite sees it. */
interface Writer {
  readonly name: "maildir" | "mbox";
  /** The mailbox path inside a temp dir. */
  box(dir: string): string;
  deliver(box: string, message: DeliveryMessage): Promise<void>;
  /** The messages as an independent reader returns them, unquoted. */
  read(box: string): Promise<Uint8Array[]>;
  /** What a delivery stores for `headersAndContent`. */
  stored(headersAndContent: Uint8Array): Uint8Array;
  /** Everything a reader could observe, to compare before and after. */
  snapshot(box: string): Promise<string>;
}

const decoder = new TextDecoder();

async function listing(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

const lock = {
  attempts: 100_000,
  sleep: () => new Promise<void>((done) => setTimeout(done, 0)),
};

const writers: Writer[] = [
  {
    name: "maildir",
    box: (dir) => join(dir, "Maildir"),
    deliver: async (box, message) => {
      await deliverToMaildir(box, message, { hostname: "mx.example.org" });
    },
    read: async (box) =>
      (await readWithPython("maildir", box)).map((m) => m.bytes),
    stored: (data) => data,
    snapshot: async (box) =>
      JSON.stringify({
        new: await listing(join(box, "new")),
        cur: await listing(join(box, "cur")),
        tmp: await listing(join(box, "tmp")),
      }),
  },
  {
    name: "mbox",
    box: (dir) => join(dir, "mbox"),
    deliver: (box, message) => deliverToMbox(box, message, { lock }),
    read: async (box) =>
      (await readWithPython("mbox", box)).map((m) =>
        bytes(unquoteMboxrd(decoder.decode(m.bytes)))
      ),
    stored: (data) =>
      data.length > 0 && data[data.length - 1] !== 0x0a
        ? concatBytes([data, bytes("\n")])
        : data,
    snapshot: async (box) => Array.from(await Deno.readFile(box)).join(","),
  },
];

function headers(sender: string, recipient: string): string {
  return `Return-Path: <${sender}>\nDelivered-To: ${recipient}\n`;
}

const tricky = [
  "From: alice@example.org\n",
  "Subject: quoting\n",
  "\n",
  "From the start of a line\n",
  ">From once quoted\n",
  ">>From twice quoted\n",
  "From\n",
  "Fromage is not a separator\n",
  " From indented\n",
  "8-bit: \u00e9\u00e8\u00ff\n",
  "last line without newline",
];

for (const writer of writers) {
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test(`${writer.name}: ${name}`, fn);

  test("content and headers round-trip byte for byte", async () => {
    if (!await havePython()) return;
    await withTempDir(async (dir) => {
      const box = writer.box(dir);
      const contents = [
        tricky.join(""),
        "Subject: plain\n\nbody\n",
        "Subject: empty body\n\n",
        "",
      ];
      for (const content of contents) {
        await writer.deliver(box, testMessage({ content }));
      }
      const read = await writer.read(box);
      assert.equal(read.length, contents.length);
      // A Maildir has no order (Python lists it by file name, and the
      // microseconds in names are not zero-padded): compare as sets.
      const expected = contents.map((content) =>
        writer.stored(
          bytes(headers("alice@example.org", "bob@mx.example.org") + content),
        )
      );
      const text = (messages: Uint8Array[]) =>
        messages.map((m) => decoder.decode(m)).sort();
      assert.deepEqual(text(read), text(expected));
    });
  });

  test("lines split across chunks at every position survive", async () => {
    if (!await havePython()) return;
    await withTempDir(async (dir) => {
      const box = writer.box(dir);
      const content = bytes(tricky.join(""));
      const cuts = [1, 5, 17, 18, 19, 20, 37, 40, 41, 60, 61, 62];
      for (const cut of cuts) {
        await writer.deliver(
          box,
          testMessage({ content: [content.slice(0, cut), content.slice(cut)] }),
        );
      }
      const expected = writer.stored(
        concatBytes([
          bytes(headers("alice@example.org", "bob@mx.example.org")),
          content,
        ]),
      );
      const read = await writer.read(box);
      assert.equal(read.length, cuts.length);
      for (const message of read) assert.deepEqual(message, expected);
    });
  });

  test("the null sender is written as <>", async () => {
    if (!await havePython()) return;
    await withTempDir(async (dir) => {
      const box = writer.box(dir);
      await writer.deliver(box, testMessage({ sender: "" }));
      const [message] = await writer.read(box);
      assert.match(decoder.decode(message), /^Return-Path: <>\n/);
    });
  });

  test("200 deliveries give 200 intact messages", async () => {
    if (!await havePython()) return;
    await withTempDir(async (dir) => {
      const box = writer.box(dir);
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          writer.deliver(
            box,
            testMessage({ content: `Subject: ${i}\n\nFrom ${i}\n` }),
          )),
      );
      const read = (await writer.read(box)).map((m) => decoder.decode(m));
      assert.equal(read.length, 200);
      const subjects = new Set(read.map((m) => /Subject: (\d+)/.exec(m)![1]));
      assert.equal(subjects.size, 200);
      for (const message of read) {
        const n = /Subject: (\d+)/.exec(message)![1];
        assert.ok(message.endsWith(`\n\nFrom ${n}\n`), message);
      }
    });
  });

  test("a message that fails mid-stream leaves the mailbox as it was", async () => {
    await withTempDir(async (dir) => {
      const box = writer.box(dir);
      await writer.deliver(box, testMessage({ content: "Subject: one\n\n" }));
      const before = await writer.snapshot(box);
      const broken = testMessage({
        content: ["Subject: two\n\nFrom here\n", "partial line"],
        failAtEnd: true,
      });
      const error = await writer.deliver(box, broken).then(
        () => assert.fail("delivery should fail"),
        (e) => e,
      );
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.temporary, true);
      assert.equal(error.dsn, "4.3.0");
      assert.equal(await writer.snapshot(box), before);
    });
  });
}
