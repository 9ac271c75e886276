/**
 * Property tests of the DATA reader (src/smtp/dot_reader.ts): the same
 * bytes give the same content, end and rest however the network splits
 * them (at every byte boundary, in random chunks, with or without a
 * scratch buffer); stored content never holds a CR; a message
 * dot-stuffed as a client sends it reads back as it was; the size limit
 * holds.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { DotReader } from "../../src/smtp/dot_reader.ts";
import { fuzz } from "./fuzz.ts";

interface Outcome {
  content: number[];
  done: boolean;
  rest: number[];
  summary: DotReader["summary"];
}

/** Feeds `chunks` to a fresh reader until it is done. */
function read(
  chunks: readonly Uint8Array[],
  limit = Infinity,
  scratch?: Uint8Array,
): Outcome {
  const reader = new DotReader(limit, scratch);
  const content: number[] = [];
  let done = false;
  let rest: number[] = [];
  for (const chunk of chunks) {
    if (done) {
      rest.push(...chunk);
      continue;
    }
    const out = reader.feed(chunk);
    content.push(...out.content); // copied: valid until the next feed only
    if (out.done) {
      done = true;
      rest = [...out.rest];
    }
  }
  return { content, done, rest, summary: reader.summary };
}

/**
 * What must not depend on the chunking. Past the size limit the reader
 * drops whole chunks or their tails, so the content kept then varies; it
 * is never stored (smtpd refuses the message).
 */
function observable(o: Outcome): Outcome {
  return o.summary.overLimit ? { ...o, content: [] } : o;
}

/** Splits `bytes` at the given cut points. */
function cut(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const sorted = [...new Set(points)].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of sorted) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** Bytes rich in the ones that matter: CR, LF, `.`. */
const dataBytes = fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  fc.array(fc.constantFrom(13, 10, 46, 65, 32), { maxLength: 120 }).map((a) =>
    new Uint8Array(a)
  ),
  fc.array(
    fc.constantFrom(
      "\r\n",
      ".",
      "\r\n.\r\n",
      "\n.\n",
      "\r",
      "\n",
      "..",
      "a",
      "MAIL FROM:<x>",
    ),
    { maxLength: 30 },
  ).map((a) => new TextEncoder().encode(a.join(""))),
);

Deno.test("fuzz: DATA reader gives the same result at every split", () => {
  fuzz(
    "dot reader splits",
    fc.property(dataBytes, fc.integer({ min: 1, max: 200 }), (bytes, limit) => {
      for (const l of [Infinity, limit]) {
        const whole = read([bytes], l);
        assert.ok(!whole.content.includes(13), "CR in stored content");
        assert.ok(whole.content.length <= whole.summary.size);
        if (!whole.summary.overLimit) {
          assert.equal(whole.content.length, whole.summary.size);
        } else assert.ok(whole.content.length <= l);
        for (let i = 0; i <= bytes.length; i++) {
          assert.deepEqual(
            observable(read(cut(bytes, [i]), l)),
            observable(whole),
            `split at ${i}`,
          );
        }
        const bytewise = [...bytes].map((b) => new Uint8Array([b]));
        assert.deepEqual(
          observable(read(bytewise, l)),
          observable(whole),
          "byte by byte",
        );
      }
    }),
    { seed: 0x2e0d, numRuns: 300 },
  );
});

Deno.test("fuzz: DATA reader gives the same result in random chunks", () => {
  fuzz(
    "dot reader chunks",
    fc.property(
      fc.uint8Array({ maxLength: 3000 }).chain((bytes) =>
        fc.tuple(
          fc.constant(bytes),
          fc.array(fc.nat(bytes.length), { maxLength: 20 }),
          fc.boolean(),
        )
      ),
      ([bytes, points, scratch]) => {
        const whole = read([bytes]);
        const buffer = scratch ? new Uint8Array(4096) : undefined;
        assert.deepEqual(read(cut(bytes, points), Infinity, buffer), whole);
      },
    ),
    { seed: 0x2e0e, numRuns: 300 },
  );
});

/** A line of content: no CR or LF inside. */
const line = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, "")),
  fc.constantFrom("", ".", "..", ". ", ".\t", "From x"),
);

Deno.test("fuzz: a dot-stuffed message reads back as it was sent", () => {
  fuzz(
    "dot reader round trip",
    fc.property(
      fc.array(line, { maxLength: 30 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(fc.nat(2000), { maxLength: 6 }),
      (lines, after, points) => {
        const encoder = new TextEncoder();
        const stuffed = lines.map((l) => (l.startsWith(".") ? "." : "") + l)
          .map((l) => l + "\r\n").join("");
        const wire = new Uint8Array([
          ...encoder.encode(stuffed + ".\r\n"),
          ...after,
        ]);
        const expected = lines.map((l) => l + "\n").join("");
        const got = read(cut(wire, points.map((p) => p % (wire.length + 1))));
        assert.ok(got.done);
        assert.equal(
          new TextDecoder().decode(new Uint8Array(got.content)),
          expected,
        );
        assert.deepEqual(got.rest, [...after]);
        assert.equal(got.summary.bareNewline, false);
      },
    ),
    { seed: 0x2e0f, numRuns: 500 },
  );
});
