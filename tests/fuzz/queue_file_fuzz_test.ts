/**
 * Property tests of the queue file format (src/queue/queue_file.ts):
 * random bytes and mutations of valid files give an envelope or a
 * `CorruptQueueFileError`, never another exception; a parsed envelope
 * holds no control character in any field (no CR or LF can reach a
 * header line); random envelopes round-trip through encode and parse;
 * the status offsets point at the status bytes.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CorruptQueueFileError,
  encodeQueueFileHeader,
  encodeSizeField,
  parseQueueFile,
} from "../../src/queue/queue_file.ts";
import type { NewEnvelope } from "../../src/queue/types.ts";
import { fuzz } from "./fuzz.ts";

/** Any valid Unicode text (no lone surrogates: UTF-8 cannot carry them). */
const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: "binary", maxLength }),
    fc.string({
      unit: fc.constantFrom(
        "%",
        "\r",
        "\n",
        "\0",
        "=",
        "a",
        "\x7f",
        "%0A",
        "é",
        " ",
      ),
      maxLength,
    }),
  );
const address = text(40).filter((a) => a !== "");
const printable = fc.stringMatching(/^[ -~]{1,30}$/);

const recipientDsn = fc.record({
  notify: fc.option(
    fc.oneof(
      fc.constant(["NEVER" as const]),
      fc.uniqueArray(
        fc.constantFrom(
          "SUCCESS" as const,
          "FAILURE" as const,
          "DELAY" as const,
        ),
        {
          minLength: 1,
        },
      ),
    ),
    { nil: undefined },
  ),
  orcpt: fc.option(
    fc.record({
      type: fc.constantFrom("rfc822", "utf-8", "x+y"),
      address: printable,
    }),
    { nil: undefined },
  ),
}, { requiredKeys: [] });

const envelope: fc.Arbitrary<NewEnvelope> = fc.record({
  sender: text(40),
  recipients: fc.array(address, { minLength: 1, maxLength: 5 }),
  clientName: text(30),
  clientAddress: text(20),
  helo: text(40),
  protocol: text(10),
  bodyType: fc.option(fc.constantFrom("7BIT" as const, "8BITMIME" as const), {
    nil: undefined,
  }),
  ret: fc.option(fc.constantFrom("FULL" as const, "HDRS" as const), {
    nil: undefined,
  }),
  envid: fc.option(text(30), { nil: undefined }),
  dsn: fc.array(recipientDsn, { maxLength: 5 }),
}).map(({ dsn, ...e }) => {
  const recipientDsn = new Map(e.recipients.map((r, i) => [r, dsn[i] ?? {}]));
  const clean = Object.fromEntries(
    Object.entries(e).filter(([, v]) => v !== undefined),
  );
  return { ...clean, recipientDsn } as unknown as NewEnvelope;
});

const queueId = fc.stringMatching(/^[0-9A-Za-z]{15}$/);

/** A whole queue file: header (size patched in) and content. */
function queueFile(
  id: string,
  arrival: number,
  e: NewEnvelope,
  content: Uint8Array,
): Uint8Array {
  const { bytes, sizeOffset } = encodeQueueFileHeader(id, arrival, e);
  const file = new Uint8Array(bytes.length + content.length);
  file.set(bytes);
  file.set(encodeSizeField(content.length), sizeOffset);
  file.set(content, bytes.length);
  return file;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** Parses `bytes`; only CorruptQueueFileError may come out. */
function parseOrCorrupt(bytes: Uint8Array, length = bytes.length) {
  try {
    return parseQueueFile(bytes, length);
  } catch (error) {
    if (error instanceof CorruptQueueFileError) return undefined;
    throw error;
  }
}

function checkParsed(bytes: Uint8Array, length: number): void {
  const e = parseOrCorrupt(bytes, length);
  if (e === undefined) return;
  assert.equal(e.contentOffset + e.size, length);
  assert.match(e.id, /^[0-9A-Za-z]+$/);
  assert.ok(Number.isSafeInteger(e.arrivalTime) && e.arrivalTime >= 0);
  assert.ok(e.recipients.length > 0);
  for (const r of e.recipients) {
    assert.ok("PDBW".includes(String.fromCharCode(bytes[r.statusOffset])));
    assert.equal(bytes[r.statusOffset + 1], 0x20);
  }
}

Deno.test("fuzz: envelopes round-trip through the queue file", () => {
  fuzz(
    "queue file round trip",
    fc.property(
      queueId,
      fc.nat({ max: 2 ** 45 }),
      envelope,
      fc.uint8Array({ maxLength: 64 }),
      (id, arrival, e, content) => {
        const file = queueFile(id, arrival, e, content);
        const header = new TextDecoder().decode(
          file.subarray(0, file.length - content.length),
        );
        // Every field stays on its own line: no value can start a line.
        for (const line of header.split("\n").slice(1, -2)) {
          assert.match(
            line,
            /^(id|arrival|size|sender|client_name|client_address|helo|protocol|body|ret|envid|rcpt|notify|orcpt)=/,
          );
          assert.ok(!CONTROL.test(line), JSON.stringify(line));
        }
        const parsed = parseQueueFile(file, file.length);
        assert.equal(parsed.id, id);
        assert.equal(parsed.arrivalTime, arrival);
        assert.equal(parsed.size, content.length);
        assert.deepEqual(file.subarray(parsed.contentOffset), content);
        for (
          const k of [
            "sender",
            "clientName",
            "clientAddress",
            "helo",
            "protocol",
            "bodyType",
            "ret",
            "envid",
          ] as const
        ) {
          assert.equal(parsed[k], e[k], k);
        }
        assert.deepEqual(parsed.recipients.map((r) => r.address), e.recipients);
        parsed.recipients.forEach((r, i) => {
          assert.equal(r.status, "pending");
          assert.equal(file[r.statusOffset], 0x50);
          const dsn = e.recipientDsn?.get(e.recipients[i]);
          assert.deepEqual(r.notify, dsn?.notify);
          assert.deepEqual(r.orcpt, dsn?.orcpt && { ...dsn.orcpt });
        });
      },
    ),
    { seed: 0x0f11e, numRuns: 500 },
  );
});

/** A valid file with some bytes changed, cut, or inserted. */
const mutated = fc.tuple(
  queueId,
  fc.nat({ max: 2 ** 45 }),
  envelope,
  fc.uint8Array({ maxLength: 32 }),
  fc.array(
    fc.tuple(
      fc.nat(),
      fc.constantFrom("set", "delete", "insert"),
      fc.constantFrom(
        0x0a,
        0x0d,
        0x00,
        0x25,
        0x3d,
        0x20,
        0x50,
        0x57,
        0x30,
        0x39,
        0xc3,
        0xff,
        0x80,
      ),
    ),
    { minLength: 1, maxLength: 6 },
  ),
).map(([id, arrival, e, content, edits]) => {
  const bytes = [...queueFile(id, arrival, e, content)];
  for (const [at, kind, byte] of edits) {
    const i = at % (bytes.length + 1);
    if (kind === "set" && i < bytes.length) bytes[i] = byte;
    else if (kind === "delete") bytes.splice(i, 1);
    else bytes.splice(i, 0, byte);
  }
  return new Uint8Array(bytes);
});

Deno.test("fuzz: random and mutated queue files parse or are corrupt", () => {
  fuzz(
    "queue file mutations",
    fc.property(
      fc.oneof(
        mutated,
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }).map((b) =>
          new Uint8Array([
            ...new TextEncoder().encode("MAILSRV-QUEUE 2\n"),
            ...b,
          ])
        ),
      ),
      fc.integer({ min: -2, max: 2 }),
      (bytes, slack) => checkParsed(bytes, Math.max(0, bytes.length + slack)),
    ),
    { seed: 0x0f11f, numRuns: 1000 },
  );
});
