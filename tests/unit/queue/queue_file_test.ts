import assert from "node:assert/strict";
import {
  CorruptQueueFileError,
  decodeValue,
  encodeQueueFileHeader,
  encodeSizeField,
  encodeValue,
  findHeaderEnd,
  parseQueueFile,
  SIZE_FIELD_WIDTH,
  statusByte,
} from "../../../src/queue/queue_file.ts";
import { testEnvelope } from "./config_fixture.ts";

const encoder = new TextEncoder();
const ID = "0Ab3xYz12kLmN9q";

/** A complete queue file: header with the size filled in, then content. */
function queueFile(content: string, envelope = testEnvelope()): Uint8Array {
  const header = encodeQueueFileHeader(ID, 1_700_000_000_123, envelope);
  const body = encoder.encode(content);
  const bytes = new Uint8Array(header.bytes.length + body.length);
  bytes.set(header.bytes);
  bytes.set(encodeSizeField(body.length), header.sizeOffset);
  bytes.set(body, header.bytes.length);
  return bytes;
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function fromText(file: string): Uint8Array {
  return encoder.encode(file);
}

Deno.test("the header is the documented text format", () => {
  const file = text(
    queueFile(
      "Hi\n",
      testEnvelope(["bob@example.test", "carol@example.test"], {
        bodyType: "8BITMIME",
      }),
    ),
  );
  assert.equal(
    file,
    [
      "MAILSRV-QUEUE 1",
      `id=${ID}`,
      "arrival=1700000000123",
      "size=000000000000003",
      "sender=alice@example.test",
      "client_name=client.example.test",
      "client_address=192.0.2.7",
      "helo=client.example.test",
      "protocol=ESMTP",
      "body=8BITMIME",
      "rcpt=P bob@example.test",
      "rcpt=P carol@example.test",
      "",
      "Hi",
      "",
    ].join("\n"),
  );
});

Deno.test("encode then parse round-trips the envelope and locates content", () => {
  const envelope = testEnvelope(
    ["bob@example.test", '"odd user"@example.test'],
    {
      sender: "",
      helo: "[192.0.2.7]",
      bodyType: "7BIT",
    },
  );
  const bytes = queueFile("Subject: x\n\nbody\n", envelope);
  const parsed = parseQueueFile(bytes, bytes.length);
  assert.equal(parsed.id, ID);
  assert.equal(parsed.arrivalTime, 1_700_000_000_123);
  assert.equal(parsed.sender, "");
  assert.equal(parsed.helo, "[192.0.2.7]");
  assert.equal(parsed.clientName, envelope.clientName);
  assert.equal(parsed.clientAddress, envelope.clientAddress);
  assert.equal(parsed.protocol, "ESMTP");
  assert.equal(parsed.bodyType, "7BIT");
  assert.equal(parsed.size, 17);
  assert.equal(
    text(bytes.subarray(parsed.contentOffset)),
    "Subject: x\n\nbody\n",
  );
  assert.deepEqual(parsed.recipients.map((r) => [r.address, r.status]), [
    ["bob@example.test", "pending"],
    ['"odd user"@example.test', "pending"],
  ]);
  for (const r of parsed.recipients) {
    assert.equal(bytes[r.statusOffset], statusByte("pending"));
    assert.equal(
      text(bytes.subarray(r.statusOffset - 5, r.statusOffset)),
      "rcpt=",
    );
  }
});

Deno.test("status bytes D and B parse as delivered and bounced", () => {
  const bytes = queueFile(
    "x\n",
    testEnvelope(["a@x.test", "b@x.test", "c@x.test"]),
  );
  const { recipients } = parseQueueFile(bytes, bytes.length);
  bytes[recipients[0].statusOffset] = statusByte("delivered");
  bytes[recipients[2].statusOffset] = statusByte("bounced");
  assert.deepEqual(
    parseQueueFile(bytes, bytes.length).recipients.map((r) => r.status),
    [
      "delivered",
      "pending",
      "bounced",
    ],
  );
});

Deno.test("no address or HELO text can inject a header line", () => {
  const evil = "x@example.test\nrcpt=P victim@example.test\r\n\0%41";
  const bytes = queueFile(
    "body\n",
    testEnvelope([evil], { helo: "h\nsize=1", sender: evil }),
  );
  const header = text(bytes.subarray(0, findHeaderEnd(bytes)));
  assert.equal(
    header.split("\n").filter((l) => l.startsWith("rcpt=")).length,
    1,
  );
  assert.ok(!header.includes("\r") && !header.includes("\0"));
  const parsed = parseQueueFile(bytes, bytes.length);
  assert.deepEqual(parsed.recipients.map((r) => r.address), [evil]);
  assert.equal(parsed.helo, "h\nsize=1");
  assert.equal(parsed.sender, evil);
});

Deno.test("encodeValue escapes only '%' and control characters; UTF-8 stays", () => {
  assert.equal(
    encodeValue("a%b\tc\x7f\u00e9\u4e2d"),
    "a%25b%09c%7F\u00e9\u4e2d",
  );
  assert.equal(decodeValue("a%25b%09c%7F\u00e9"), "a%b\tc\x7f\u00e9");
});

Deno.test("the size field is fixed width and refuses what does not fit", () => {
  assert.equal(text(encodeSizeField(0)), "0".repeat(SIZE_FIELD_WIDTH));
  assert.equal(text(encodeSizeField(1234)).length, SIZE_FIELD_WIDTH);
  assert.throws(() => encodeSizeField(10 ** SIZE_FIELD_WIDTH), /does not fit/);
  assert.throws(() => encodeSizeField(-1), /does not fit/);
});

Deno.test("the encoder refuses envelopes it cannot represent", () => {
  assert.throws(
    () => encodeQueueFileHeader(ID, 1, testEnvelope([])),
    /at least one recipient/,
  );
  assert.throws(
    () => encodeQueueFileHeader(ID, 1, testEnvelope([""])),
    /Empty recipient/,
  );
  assert.throws(
    () => encodeQueueFileHeader("../x", 1, testEnvelope()),
    /Bad queue ID/,
  );
  assert.throws(
    () => encodeQueueFileHeader(ID, -5, testEnvelope()),
    /Bad arrival time/,
  );
});

/** Mutates a valid file (content "content\n") and expects `message`. */
function assertCorrupt(mutate: (file: string) => string, message: RegExp) {
  const valid = text(queueFile("content\n"));
  const file = fromText(mutate(valid));
  assert.throws(
    () => parseQueueFile(file, file.length),
    (error: unknown) => {
      assert.ok(error instanceof CorruptQueueFileError, String(error));
      assert.match(error.message, message);
      return true;
    },
  );
}

Deno.test("every kind of corruption throws CorruptQueueFileError", async (t) => {
  const cases: Array<[string, (f: string) => string, RegExp]> = [
    ["empty file", () => "", /not a mailsrv queue file/],
    [
      "foreign file",
      () => "From alice Mon Jan 1\n\nhi\n",
      /not a mailsrv queue file/,
    ],
    [
      "future version",
      (f) => f.replace("MAILSRV-QUEUE 1", "MAILSRV-QUEUE 5"),
      /unsupported queue file version "5"/,
    ],
    [
      "no empty line",
      (f) => f.slice(0, f.indexOf("\n\n") + 1),
      /no terminating empty line/,
    ],
    [
      "line without =",
      (f) => f.replace("protocol=ESMTP", "protocol ESMTP"),
      /malformed header line 9/,
    ],
    [
      "unknown field",
      (f) => f.replace("protocol=", "x-extra=1\nprotocol="),
      /unknown header field "x-extra"/,
    ],
    [
      "duplicate field",
      (f) => f.replace("protocol=ESMTP", "protocol=ESMTP\nprotocol=SMTP"),
      /duplicate header field "protocol"/,
    ],
    [
      "missing sender",
      (f) => f.replace("sender=alice@example.test\n", ""),
      /missing header field "sender"/,
    ],
    [
      "missing id",
      (f) => f.replace(`id=${ID}\n`, ""),
      /missing header field "id"/,
    ],
    [
      "no recipients",
      (f) => f.replace("rcpt=P bob@example.test\n", ""),
      /no recipients/,
    ],
    [
      "bad status byte",
      (f) => f.replace("rcpt=P", "rcpt=X"),
      /malformed recipient on header line/,
    ],
    [
      "status without space",
      (f) => f.replace("rcpt=P ", "rcpt=P"),
      /malformed recipient/,
    ],
    [
      "empty address",
      (f) => f.replace("rcpt=P bob@example.test", "rcpt=P "),
      /malformed recipient/,
    ],
    [
      "bad escape",
      (f) => f.replace("helo=client", "helo=cl%4gient"),
      /malformed escape "%4g"/,
    ],
    [
      "lowercase escape",
      (f) => f.replace("helo=client", "helo=cl%0aient"),
      /malformed escape "%0a"/,
    ],
    [
      "raw control",
      (f) => f.replace("helo=client", "helo=cl\rient"),
      /unencoded control character/,
    ],
    ["size too short", (f) => f.replace(/size=0+8/, "size=8"), /bad size "8"/],
    [
      "size not digits",
      (f) => f.replace(/size=0+8/, "size=00000000000000x"),
      /bad size "00000000000000x"/,
    ],
    [
      "size larger than file",
      (f) => f.replace(/size=0+8/, "size=000000000000009"),
      /size field says 9 content bytes but the file holds 8/,
    ],
    [
      "truncated content",
      (f) => f.slice(0, -3),
      /size field says 8 content bytes but the file holds 5/,
    ],
    [
      "trailing garbage",
      (f) => f + "junk",
      /size field says 8 content bytes but the file holds 12/,
    ],
    [
      "bad arrival",
      (f) => f.replace("arrival=1700000000123", "arrival=17e11"),
      /bad arrival time "17e11"/,
    ],
    ["bad id", (f) => f.replace(`id=${ID}`, "id=../../x"), /bad queue ID/],
    [
      "bad ret",
      (f) => f.replace("protocol=ESMTP", "protocol=ESMTP\nret=ALL"),
      /bad ret "ALL"/,
    ],
    [
      "notify before any recipient",
      (f) => f.replace("protocol=ESMTP", "protocol=ESMTP\nnotify=NEVER"),
      /misplaced "notify" on header line 10/,
    ],
    [
      "notify twice for one recipient",
      (f) =>
        f.replace(
          "rcpt=P bob@example.test",
          "rcpt=P bob@example.test\nnotify=DELAY\nnotify=NEVER",
        ),
      /misplaced "notify"/,
    ],
    [
      "NEVER with another keyword",
      (f) =>
        f.replace(
          "rcpt=P bob@example.test",
          "rcpt=P bob@example.test\nnotify=NEVER,DELAY",
        ),
      /bad notify "NEVER,DELAY"/,
    ],
    [
      "orcpt without a type",
      (f) =>
        f.replace(
          "rcpt=P bob@example.test",
          "rcpt=P bob@example.test\norcpt=bob@example.test",
        ),
      /bad orcpt/,
    ],
    [
      "bad body type",
      (f) => f.replace("protocol=ESMTP", "protocol=ESMTP\nbody=BINARYMIME"),
      /bad body type "BINARYMIME"/,
    ],
  ];
  for (const [name, mutate, message] of cases) {
    await t.step(name, () => assertCorrupt(mutate, message));
  }
  await t.step("invalid UTF-8", () => {
    const valid = queueFile("content\n");
    const at = text(valid).indexOf("helo=") + 5;
    valid[at] = 0xff;
    assert.throws(
      () => parseQueueFile(valid, valid.length),
      /header line 8 is not valid UTF-8/,
    );
  });
});

Deno.test("DSN fields make a version 2 file, in the documented format", () => {
  const envelope = testEnvelope(["bob@example.test", "carol@example.test"], {
    ret: "HDRS",
    envid: "QQ 314%159",
    recipientDsn: new Map([["bob@example.test", {
      notify: ["SUCCESS", "FAILURE"],
      orcpt: { type: "rfc822", address: "Bob@Example.TEST" },
    }]]),
  });
  const file = text(queueFile("Hi\n", envelope));
  assert.equal(
    file,
    [
      "MAILSRV-QUEUE 2",
      `id=${ID}`,
      "arrival=1700000000123",
      "size=000000000000003",
      "sender=alice@example.test",
      "client_name=client.example.test",
      "client_address=192.0.2.7",
      "helo=client.example.test",
      "protocol=ESMTP",
      "ret=HDRS",
      "envid=QQ 314%25159",
      "rcpt=P bob@example.test",
      "notify=SUCCESS,FAILURE",
      "orcpt=rfc822;Bob@Example.TEST",
      "rcpt=P carol@example.test",
      "",
      "Hi",
      "",
    ].join("\n"),
  );
  const bytes = queueFile("Hi\n", envelope);
  const parsed = parseQueueFile(bytes, bytes.length);
  assert.equal(parsed.ret, "HDRS");
  assert.equal(parsed.envid, "QQ 314%159");
  assert.deepEqual(parsed.recipients[0].notify, ["SUCCESS", "FAILURE"]);
  assert.deepEqual(parsed.recipients[0].orcpt, {
    type: "rfc822",
    address: "Bob@Example.TEST",
  });
  assert.equal(parsed.recipients[1].notify, undefined);
  assert.equal(parsed.recipients[1].orcpt, undefined);
  for (const r of parsed.recipients) {
    assert.equal(bytes[r.statusOffset], statusByte("pending"));
  }
});

Deno.test("an envelope without DSN parameters is still written as version 1", () => {
  const envelope = testEnvelope(["bob@example.test"], {
    // Only recipients that are not in the message count.
    recipientDsn: new Map([["other@example.test", { notify: ["NEVER"] }]]),
  });
  assert.match(text(queueFile("x\n", envelope)), /^MAILSRV-QUEUE 1\n/);
});

Deno.test("a version 1 file written before DSN existed still reads", () => {
  const file = [
    "MAILSRV-QUEUE 1",
    `id=${ID}`,
    "arrival=1700000000123",
    "size=000000000000003",
    "sender=alice@example.test",
    "client_name=client.example.test",
    "client_address=192.0.2.7",
    "helo=client.example.test",
    "protocol=ESMTP",
    "rcpt=D bob@example.test",
    "rcpt=P carol@example.test",
    "",
    "Hi\n",
  ].join("\n");
  const bytes = fromText(file);
  const parsed = parseQueueFile(bytes, bytes.length);
  assert.deepEqual(
    parsed.recipients.map((r) => [r.address, r.status, r.notify, r.orcpt]),
    [
      ["bob@example.test", "delivered", undefined, undefined],
      ["carol@example.test", "pending", undefined, undefined],
    ],
  );
  assert.equal(parsed.ret, undefined);
  assert.equal(parsed.envid, undefined);
});

Deno.test("status byte W is a pending recipient whose delay notice went out", () => {
  const bytes = queueFile("x\n", testEnvelope(["a@x.test", "b@x.test"]));
  const { recipients } = parseQueueFile(bytes, bytes.length);
  bytes[recipients[1].statusOffset] = "W".charCodeAt(0);
  const after = parseQueueFile(bytes, bytes.length).recipients;
  assert.deepEqual(after.map((r) => [r.status, r.delayWarned]), [
    ["pending", undefined],
    ["pending", true],
  ]);
});

Deno.test("a content filter makes a version 3 file that round-trips", () => {
  const envelope = testEnvelope(["bob@example.test"], {
    filter: "smtp:[127.0.0.1]:10025",
  });
  const bytes = queueFile("x\n", envelope);
  assert.match(text(bytes), /^MAILSRV-QUEUE 3\n/);
  assert.match(text(bytes), /\nfilter=smtp:\[127\.0\.0\.1\]:10025\n/);
  assert.equal(
    parseQueueFile(bytes, bytes.length).filter,
    "smtp:[127.0.0.1]:10025",
  );
});

Deno.test("a filter that names no transport is corrupt", () => {
  const bytes = queueFile(
    "x\n",
    testEnvelope(["bob@example.test"], { filter: "nothing" }),
  );
  assert.throws(
    () => parseQueueFile(bytes, bytes.length),
    (e) => e instanceof CorruptQueueFileError && /bad filter/.test(e.message),
  );
});

Deno.test("UTF-8 and very long header lines read back as written, with their status offsets", () => {
  const long = `${"l".repeat(3000)}@example.test`;
  const utf8 = "j\u00f6rg@b\u00fccher.example";
  const envelope = testEnvelope([utf8, long, "carol@example.test"], {
    helo: "h\u00e9lo.example.test",
  });
  const bytes = queueFile("Hi\n", envelope);
  const parsed = parseQueueFile(bytes, bytes.length);
  assert.deepEqual(parsed.recipients.map((r) => r.address), [
    utf8,
    long,
    "carol@example.test",
  ]);
  assert.equal(parsed.helo, "h\u00e9lo.example.test");
  // Each status offset points at its recipient's status byte, in bytes.
  for (const recipient of parsed.recipients) {
    assert.equal(String.fromCharCode(bytes[recipient.statusOffset]), "P");
    const after = text(
      bytes.subarray(
        recipient.statusOffset + 2,
        bytes.indexOf(10, recipient.statusOffset),
      ),
    );
    assert.equal(after, recipient.address);
  }
});
