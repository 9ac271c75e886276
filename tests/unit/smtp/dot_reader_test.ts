import assert from "node:assert/strict";
import {
  DotReader,
  type DotReaderSummary,
} from "../../../src/smtp/dot_reader.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

interface Case {
  name: string;
  input: string;
  /** Stored content (over the limit: what it would be; a prefix is kept). */
  content: string;
  done?: boolean;
  rest?: string;
  bare?: boolean;
  longLine?: boolean;
  limit?: number;
  overLimit?: boolean;
}

const cases: Case[] = [
  { name: "one line", input: "abc\r\n.\r\n", content: "abc\n" },
  { name: "empty message right after DATA", input: ".\r\n", content: "" },
  { name: "one empty line", input: "\r\n.\r\n", content: "\n" },
  {
    name: "two dots unstuffed",
    input: "a\r\n..b\r\n.\r\n",
    content: "a\n.b\n",
  },
  { name: "stuffed dot alone", input: "a\r\n..\r\n.\r\n", content: "a\n.\n" },
  {
    name: "lone leading dot dropped",
    input: "a\r\n.b\r\n.\r\n",
    content: "a\nb\n",
  },
  {
    name: "leading dot at the very start",
    input: "..x\r\n.\r\n",
    content: ".x\n",
  },
  {
    name: "dot inside a line stays",
    input: "a.b\r\n.c.\r\n.\r\n",
    content: "a.b\nc.\n",
  },
  {
    name: "pipelined commands after the end",
    input: "a\r\n.\r\nQUIT\r\n",
    content: "a\n",
    rest: "QUIT\r\n",
  },
  {
    name: "8-bit and NUL pass through",
    input: "\xe9\x00\xff\r\n.\r\n",
    content: "\xe9\x00\xff\n",
  },
  { name: "no end yet", input: "abc\r\n.\r", content: "abc\n", done: false },
  {
    name: "no end without the final LF",
    input: "abc\r\n",
    content: "abc\n",
    done: false,
  },
  // Bare newlines are line ends in the content; a lone dot after one stays.
  {
    name: "bare LF in text",
    input: "a\nb\r\n.\r\n",
    content: "a\nb\n",
    bare: true,
  },
  {
    name: "bare CR in text",
    input: "a\rb\r\n.\r\n",
    content: "a\nb\n",
    bare: true,
  },
  {
    name: "bare CR before CRLF",
    input: "a\r\r\nb\r\n.\r\n",
    content: "a\n\nb\n",
    bare: true,
  },
  {
    name: "stuffing after a bare LF is removed",
    input: "a\n..b\r\n.\r\n",
    content: "a\n.b\n",
    bare: true,
  },
  {
    name: "stuffing after a bare CR is removed",
    input: "a\r.b\r\n.\r\n",
    content: "a\nb\n",
    bare: true,
  },
  {
    name: "LF-only text as smtplib sends bytes",
    input: "Hi\n..dot\n...two\nbye\n\r\n.\r\n",
    content: "Hi\n.dot\n..two\nbye\n\n",
    bare: true,
  },
  {
    name: "lone dot after a bare LF stays",
    input: "a\n.\r\nb\r\n.\r\n",
    content: "a\n.\nb\n",
    bare: true,
  },
  {
    name: "genuine CRLF.CRLF after a bare CR ends",
    input: "a\r\r\n.\r\nX",
    content: "a\n\n",
    rest: "X",
    bare: true,
  },
  {
    name: "genuine CRLF.CRLF after a bare LF ends",
    input: "a\n\r\n.\r\nX",
    content: "a\n\n",
    rest: "X",
    bare: true,
  },
  {
    name: ".CR CR LF .CRLF",
    input: "a\r\n.\r\r\n.\r\n",
    content: "a\n.\n\n",
    bare: true,
  },
  // Lines of 998 octets are fine; 999 is one too many (RFC 5321 4.5.3.1.6).
  {
    name: "998-octet line",
    input: `${"x".repeat(998)}\r\n.\r\n`,
    content: `${"x".repeat(998)}\n`,
  },
  {
    name: "999-octet line",
    input: `${"x".repeat(999)}\r\n.\r\n`,
    content: `${"x".repeat(999)}\n`,
    longLine: true,
  },
  {
    name: "stuffing dot counts toward the line length",
    input: `.${"x".repeat(998)}\r\n.\r\n`,
    content: `${"x".repeat(998)}\n`,
    longLine: true,
  },
  {
    name: "long line ended by a bare LF",
    input: `${"x".repeat(999)}\ny\r\n.\r\n`,
    content: `${"x".repeat(999)}\ny\n`,
    longLine: true,
    bare: true,
  },
  // Size counts stored content (LF line ends, dots unstuffed).
  {
    name: "exactly at the limit",
    input: "abcd\r\n.\r\n",
    content: "abcd\n",
    limit: 5,
  },
  {
    name: "stuffing does not count",
    input: "..abc\r\n.\r\n",
    content: ".abc\n",
    limit: 5,
  },
  {
    name: "over the limit: reads to the end, keeps nothing past it",
    input: "ab\r\ncdefg\r\n.\r\nQUIT\r\n",
    content: "ab\ncdefg\n",
    rest: "QUIT\r\n",
    limit: 5,
    overLimit: true,
  },
];

/** SMTP smuggling (SEC Consult, December 2023): a fake end, then a second message. */
const smuggled =
  "MAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@y.example>\r\nDATA\r\n" +
  "From: ceo@y.example\r\n\r\nsmuggled\r\n";
const fakeEnds = [
  "\n.\n",
  "\n.\r\n",
  "\r.\r",
  "\r.\r\n",
  "\r\n.\n",
  "\r\n.\r",
  "\n.\r",
  "\r\n.\r\r\n",
];
for (const fake of fakeEnds) {
  cases.push({
    name: `smuggling ${JSON.stringify(fake)} is content`,
    input: `Subject: hi\r\n\r\nbody${fake}${smuggled}.\r\nQUIT\r\n`,
    content: `Subject: hi\n\nbody${fake.replace(/\r\n|\r|\n/g, "\n")}${
      smuggled.replace(/\r\n/g, "\n")
    }`,
    rest: "QUIT\r\n",
    bare: true,
  });
}

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

interface Outcome {
  content: string;
  done: boolean;
  rest: string;
  summary: DotReaderSummary;
}

/** Feeds `chunks` until done; bytes of chunks after the end count as rest. */
function run(chunks: Uint8Array[], limit: number): Outcome {
  const reader = new DotReader(limit);
  let content = "";
  let rest = "";
  let done = false;
  for (const chunk of chunks) {
    if (done) {
      rest += decoder.decode(chunk);
      continue;
    }
    const out = reader.feed(chunk);
    content += decoder.decode(out.content);
    if (out.done) {
      done = true;
      rest += decoder.decode(out.rest);
    } else assert.equal(out.rest.length, 0);
  }
  return { content, done, rest, summary: reader.summary };
}

function check(c: Case, outcome: Outcome, how: string): void {
  const where = `${c.name} (${how})`;
  if (c.overLimit) {
    assert.ok(c.content.startsWith(outcome.content), where);
    assert.ok(outcome.content.length <= (c.limit ?? Infinity), where);
  } else assert.equal(outcome.content, c.content, where);
  assert.equal(outcome.done, c.done ?? true, where);
  assert.equal(outcome.rest, c.rest ?? "", where);
  assert.equal(
    outcome.summary.bareNewline,
    c.bare ?? false,
    `${where}: bare newline`,
  );
  assert.equal(
    outcome.summary.longLine,
    c.longLine ?? false,
    `${where}: long line`,
  );
  assert.equal(
    outcome.summary.overLimit,
    c.overLimit ?? false,
    `${where}: over limit`,
  );
}

for (const c of cases) {
  Deno.test(`DotReader: ${c.name}, split at every offset`, () => {
    const input = bytes(c.input);
    const limit = c.limit ?? Infinity;
    check(c, run([input], limit), "one chunk");
    for (let k = 0; k <= input.length; k++) {
      check(
        c,
        run([input.subarray(0, k), input.subarray(k)], limit),
        `split at ${k}`,
      );
    }
    if (input.length < 200) {
      const singles = Array.from(input, (_, i) => input.subarray(i, i + 1));
      check(c, run(singles, limit), "byte by byte");
    }
  });
}

Deno.test("DotReader counts the size of all content, also past the limit", () => {
  const reader = new DotReader(5);
  const out = reader.feed(encoder.encode("ab\r\ncdefg\r\n..x\r\n.\r\n"));
  assert.ok(out.done);
  assert.equal(reader.summary.size, "ab\ncdefg\n.x\n".length);
  assert.ok(reader.summary.overLimit);
  assert.ok(out.content.length <= 5);
});

Deno.test("DotReader never holds more than the chunk it is given", () => {
  const reader = new DotReader(Infinity);
  const line = encoder.encode(`${"y".repeat(1000)}\r\n`);
  for (let i = 0; i < 100; i++) {
    const out = reader.feed(line);
    assert.equal(out.content.length, 1001);
    assert.ok(out.content.buffer.byteLength <= line.length + 2);
  }
  assert.ok(reader.feed(encoder.encode(".\r\n")).done);
  assert.equal(reader.summary.size, 100 * 1001);
});

Deno.test("DotReader produces content in its scratch buffer when the chunk fits", () => {
  const scratch = new Uint8Array(64);
  const reader = new DotReader(Infinity, scratch);
  const small = reader.feed(encoder.encode("abc\r\n"));
  assert.equal(small.content.buffer, scratch.buffer);
  assert.equal(new TextDecoder().decode(small.content), "abc\n");
  const big = reader.feed(encoder.encode("x".repeat(100) + "\r\n.\r\n"));
  assert.notEqual(big.content.buffer, scratch.buffer);
  assert.equal(big.content.length, 101);
});

Deno.test("DotReader refuses to read past the end of data", () => {
  const reader = new DotReader(Infinity);
  assert.ok(reader.feed(encoder.encode(".\r\n")).done);
  assert.throws(
    () => reader.feed(encoder.encode("x")),
    /after the end of data/,
  );
});
