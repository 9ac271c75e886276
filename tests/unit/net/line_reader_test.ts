import assert from "node:assert/strict";
import {
  type CommandLine,
  CommandLineReader,
  nextCommandEvent,
} from "../../../src/net/line_reader.ts";

const encoder = new TextEncoder();

/** Pushes `chunks` one by one and collects every line the reader yields. */
function lines(...chunks: string[]): string[] {
  const reader = new CommandLineReader();
  const out: string[] = [];
  for (const chunk of chunks) {
    reader.push(encoder.encode(chunk));
    for (let l: CommandLine | null; (l = reader.next()) !== null;) {
      out.push(l.kind === "line" ? l.text : "<too long>");
    }
  }
  return out;
}

Deno.test("CRLF and bare LF both end a command; CR before LF is dropped", () => {
  assert.deepEqual(lines("EHLO a\r\nNOOP\nQUIT\r\n"), [
    "EHLO a",
    "NOOP",
    "QUIT",
  ]);
});

Deno.test("a line split across reads is joined, at every split point", () => {
  const text = "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n";
  for (let k = 0; k <= text.length; k++) {
    assert.deepEqual(lines(text.slice(0, k), text.slice(k)), [
      "MAIL FROM:<a@b.example>",
      "RCPT TO:<c@d.example>",
    ], `split at ${k}`);
  }
  assert.deepEqual(lines(...text), [
    "MAIL FROM:<a@b.example>",
    "RCPT TO:<c@d.example>",
  ]);
});

Deno.test("a CR split from its LF is still dropped", () => {
  assert.deepEqual(lines("NOOP\r", "\nQUIT\r\n"), ["NOOP", "QUIT"]);
  assert.deepEqual(lines("NOOP\r", "", "\n"), ["NOOP"]);
});

Deno.test("an unfinished line yields nothing", () => {
  assert.deepEqual(lines("EHLO a"), []);
  assert.deepEqual(lines("EHLO a\r"), []);
});

Deno.test("510 octets before CRLF is the longest command (512 with CRLF)", () => {
  const ok = "X".repeat(510);
  assert.deepEqual(lines(`${ok}\r\n`), [ok]);
  assert.deepEqual(lines(ok.slice(0, 300), `${ok.slice(300)}\r`, "\n"), [ok]);
  assert.deepEqual(lines(`${ok}X\r\nNOOP\r\n`), ["<too long>", "NOOP"]);
  assert.deepEqual(lines(`${ok}X\nNOOP\r\n`), ["<too long>", "NOOP"]);
});

Deno.test("a long line is reported once, at its end, at every split point", () => {
  const long = `MAIL FROM:<${"a".repeat(600)}@b>\r\n`;
  const text = `${long}NOOP\r\n`;
  for (let k = 0; k <= text.length; k += 7) {
    assert.deepEqual(lines(text.slice(0, k), text.slice(k)), [
      "<too long>",
      "NOOP",
    ], `split at ${k}`);
  }
});

Deno.test("a never-ending line is not buffered", () => {
  const reader = new CommandLineReader();
  const chunk = encoder.encode("A".repeat(4096));
  for (let i = 0; i < 1000; i++) {
    reader.push(chunk);
    assert.equal(reader.next(), null);
  }
  reader.push(encoder.encode("\r\nQUIT\r\n"));
  assert.deepEqual(reader.next(), { kind: "too-long" });
  assert.deepEqual(reader.next(), { kind: "line", text: "QUIT" });
});

Deno.test("takeRest hands over the bytes after DATA", () => {
  const reader = new CommandLineReader();
  reader.push(encoder.encode("DATA\r\nSubject: x\r\n\r\nbody"));
  assert.deepEqual(reader.next(), { kind: "line", text: "DATA" });
  assert.equal(
    new TextDecoder().decode(reader.takeRest()),
    "Subject: x\r\n\r\nbody",
  );
  assert.equal(reader.next(), null);
  reader.push(encoder.encode("QUIT\r\n"));
  assert.deepEqual(reader.next(), { kind: "line", text: "QUIT" });
});

Deno.test("push before the previous chunk was read is a bug", () => {
  const reader = new CommandLineReader();
  reader.push(encoder.encode("NOOP\r\nNOOP\r\n"));
  reader.next();
  assert.throws(
    () => reader.push(encoder.encode("x")),
    /before the previous chunk/,
  );
});

Deno.test("line reader: the limit is per reader (POP3's 255), and discard drops unread input", () => {
  const encoder = new TextEncoder();
  const reader = new CommandLineReader(255);
  reader.push(
    encoder.encode("x".repeat(253) + "\r\n" + "y".repeat(254) + "\r\nNOOP\r\n"),
  );
  assert.deepEqual(reader.next(), { kind: "line", text: "x".repeat(253) });
  assert.deepEqual(reader.next(), { kind: "too-long" });
  assert.deepEqual(reader.next(), { kind: "line", text: "NOOP" });
  assert.equal(reader.next(), null);
  reader.push(encoder.encode("STLS\r\nUSER injected\r\n"));
  assert.deepEqual(reader.next(), { kind: "line", text: "STLS" });
  reader.discard();
  assert.equal(reader.next(), null);
  reader.push(encoder.encode("CAPA\r\n"));
  assert.deepEqual(reader.next(), { kind: "line", text: "CAPA" });
});

Deno.test("nextCommandEvent: buffered lines first, then reads, then why reading stopped", async () => {
  const lines = new CommandLineReader(16);
  const buffer = new Uint8Array(64);
  const inputs: Array<string | "eof"> = [
    "NOOP\r\nRS",
    "ET\r\n" + "X".repeat(20) + "\r\n",
    "eof",
  ];
  let reads = 0;
  const read = (): Promise<number | "eof"> => {
    const next = inputs[reads++];
    if (next === "eof") return Promise.resolve("eof");
    return Promise.resolve(new TextEncoder().encodeInto(next, buffer).written);
  };
  const events = [];
  let open = 0;
  const deadline = {
    startRequest: () => void open++,
    endRequest: () => void open--,
  };
  for (let i = 0; i < 4; i++) {
    events.push(await nextCommandEvent(lines, buffer, read, deadline));
    assert.equal(open, 0, "every wait's deadline is ended");
  }
  assert.deepEqual(events, [
    { type: "command", line: "NOOP" },
    { type: "command", line: "RSET" },
    { type: "command-too-long" },
    { type: "eof" },
  ]);
  assert.equal(reads, 3);
});
