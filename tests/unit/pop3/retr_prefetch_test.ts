/**
 * RETR read ahead: the bytes sent from a prefetched message are exactly
 * what transmitMessage sends; what cannot be read ahead is not held; and a
 * session that reads ahead still answers DELE'd and pipelined commands as
 * before.
 */
import assert from "node:assert/strict";
import {
  PREFETCH_LIMIT,
  RetrPrefetch,
} from "../../../src/pop3/retr_prefetch.ts";
import { transmitMessage } from "../../../src/pop3/transmit.ts";
import { serveSession } from "../../../src/pop3/server.ts";
import type { MessageReader, Pop3Deps } from "../../../src/pop3/types.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";
import { fakeDeps, memoryStream } from "./fake_pop3_deps.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A reader of `text` handing out `size` bytes at a time. */
function reader(text: string | Uint8Array, size = 7): MessageReader {
  const bytes = typeof text === "string" ? enc.encode(text) : text;
  let at = 0;
  return {
    read(buffer) {
      if (at >= bytes.length) return null;
      const piece = bytes.subarray(at, at + Math.min(size, buffer.length));
      buffer.set(piece);
      at += piece.length;
      return piece.length;
    },
    close() {
      at = bytes.length;
    },
  };
}

/** Collects writes; `joined` is everything written, in order. */
function sink() {
  const writes: Uint8Array[] = [];
  return {
    writes,
    write: (bytes: Uint8Array) => {
      writes.push(bytes.slice());
      return Promise.resolve();
    },
    joined: () => writes.map((b) => dec.decode(b)).join(""),
  };
}

const MESSAGES = [
  "A: 1\n\nbody\n",
  "A: 1\r\n\r\n.leading dot\r\n..two\n",
  "A: 1\n\nno final newline",
  "",
  "A: 1\n\n" + ".x\n".repeat(5000),
];

Deno.test("a prefetched message goes out byte for byte as transmitMessage sends it, in one write", async () => {
  const head = enc.encode("+OK 1\r\n+OK message follows\r\n");
  for (const [i, text] of MESSAGES.entries()) {
    const expected = sink();
    await transmitMessage(head, reader(text), expected.write, null);
    const prefetch = new RetrPrefetch();
    prefetch.prepare(i, (n) => reader(MESSAGES[n]));
    assert.equal(prefetch.holds(i), true, `message ${i} is held`);
    assert.equal(prefetch.holds(i + 1), false);
    const got = sink();
    await prefetch.send(i, head, got.write);
    assert.equal(got.joined(), expected.joined(), `message ${i}`);
    assert.equal(got.writes.length, 1, "reply and message in one write");
    assert.equal(prefetch.holds(i), false, "sent once, then forgotten");
    prefetch.close(true);
  }
});

Deno.test("replies longer than the room kept for them go first, then the message", async () => {
  const head = enc.encode("+OK\r\n".repeat(200));
  const prefetch = new RetrPrefetch();
  prefetch.prepare(0, () => reader(MESSAGES[1]));
  const got = sink();
  await prefetch.send(0, head, got.write);
  const expected = sink();
  await transmitMessage(head, reader(MESSAGES[1]), expected.write, null);
  assert.equal(got.joined(), expected.joined());
  assert.equal(got.writes.length, 2);
});

Deno.test("what cannot be read ahead is not held: too large, unopenable, unreadable", async () => {
  const prefetch = new RetrPrefetch();
  const big = new Uint8Array(PREFETCH_LIMIT + 1).fill(0x61);
  let closed = 0;
  const counted = (r: MessageReader): MessageReader => ({
    read: (b) => r.read(b),
    close: () => {
      closed++;
      r.close();
    },
  });
  prefetch.prepare(0, () => counted(reader(big, 16384)));
  assert.equal(prefetch.holds(0), false, "larger than PREFETCH_LIMIT");
  assert.equal(closed, 1, "the reader is closed");
  prefetch.prepare(1, () => {
    throw new Deno.errors.NotFound("gone");
  });
  assert.equal(prefetch.holds(1), false, "open failed");
  prefetch.prepare(2, () =>
    counted({
      read() {
        throw new Error("I/O error");
      },
      close() {},
    }));
  assert.equal(prefetch.holds(2), false, "read failed");
  assert.equal(closed, 2);
  prefetch.prepare(3, () => reader("A: 1\n\nok\n"));
  prefetch.prepare(4, () => {
    throw new Error("no");
  });
  assert.equal(prefetch.holds(3), false, "a new prepare replaces the old");
  await assert.rejects(
    prefetch.send(3, new Uint8Array(0), () => Promise.resolve()),
    RangeError,
  );
});

Deno.test("a session reading ahead: RETR in order, a DELE'd next message, TOP and pipelined commands", async () => {
  const messages = [
    "Subject: one\n\n.dot\n",
    "Subject: two\n\nx\n",
    "S: 3\n\ny\n",
  ];
  const fake = fakeDeps(
    baseTestConfig({ pop3_failed_login_delay: 0 }),
    messages,
  );
  const opened: number[] = [];
  const deps: Pop3Deps = {
    ...fake,
    openMaildrop: async (account) => {
      const maildrop = await fake.openMaildrop(account);
      const retrieve = maildrop.retrieve;
      maildrop.retrieve = (i) => {
        opened.push(i);
        return retrieve(i);
      };
      return maildrop;
    },
  };
  const io = memoryStream(
    "USER alice\r\nPASS secret\r\nRETR 1\r\nRETR 2\r\nDELE 3\r\nRETR 3\r\n" +
      "TOP 1 0\r\nRETR 1\r\nRETR 2\r\nQUIT\r\n",
  );
  await serveSession(io, deps, { address: "127.0.0.1" });
  const one = "+OK 22 octets\r\nSubject: one\r\n\r\n..dot\r\n.\r\n";
  const two = "+OK 19 octets\r\nSubject: two\r\n\r\nx\r\n.\r\n";
  assert.equal(
    io.output(),
    "+OK mx.example.org POP3 server ready\r\n" +
      "+OK\r\n+OK Maildrop locked and ready\r\n" + one + two +
      "+OK Message 3 deleted\r\n-ERR Message 3 already deleted\r\n" +
      "+OK Top of message follows\r\nSubject: one\r\n\r\n.\r\n" + one + two +
      "+OK mx.example.org POP3 server signing off\r\n",
  );
  // RETR 2 twice from what was read ahead; RETR 1 after TOP opened anew.
  assert.deepEqual(opened, [0, 1, 2, 0, 0, 1, 2]);
  assert.deepEqual(fake.record.committed, new Set([2]));
});

Deno.test("take gives the replies and a prefetched message as one write, byte for byte as send", async () => {
  const replies = "+OK 1\r\n+OK message follows\r\n";
  for (const [i, text] of MESSAGES.entries()) {
    const expected = sink();
    const sender = new RetrPrefetch();
    sender.prepare(i, (n) => reader(MESSAGES[n]));
    await sender.send(i, enc.encode(replies), expected.write);
    sender.close(true);
    const prefetch = new RetrPrefetch();
    prefetch.prepare(i, (n) => reader(MESSAGES[n]));
    const whole = prefetch.take(i, replies);
    assert.ok(whole !== null, `message ${i} (${text.length} bytes) fits`);
    assert.equal(dec.decode(whole), expected.joined(), `message ${i}`);
    assert.equal(prefetch.holds(i), false, "taken once, then forgotten");
    prefetch.close(true);
  }
});

Deno.test("take leaves the message held when the replies do not fit before it", () => {
  const prefetch = new RetrPrefetch();
  prefetch.prepare(0, (n) => reader(MESSAGES[n]));
  assert.equal(prefetch.take(0, "+OK\r\n".repeat(200)), null);
  assert.equal(prefetch.holds(0), true, "still there for send");
  assert.throws(() => prefetch.take(1, "+OK\r\n"), RangeError);
  prefetch.close(true);
});
