import assert from "node:assert/strict";
import {
  pipeContentTransform,
  pipePrefix,
  reshapes,
} from "../../../../src/delivery/pipe/pipe_content.ts";
import {
  expandPipeArgv,
  pipeMacroValues,
} from "../../../../src/delivery/pipe/pipe_macros.ts";

/** Runs `chunks` through the transform; the output as text. */
async function shaped(
  flags: string,
  eol: string,
  chunks: string[],
): Promise<string> {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  }).pipeThrough(pipeContentTransform(flags, eol));
  return await new Response(stream).text();
}

Deno.test("flags . and > quote lines, also when a line spans chunks", async () => {
  assert.equal(
    await shaped(".>", "\n", ["Subject: x\n\n.a\nFr", "om b\n", "c"]),
    "Subject: x\n\n..a\n>From b\nc\n",
  );
  assert.equal(await shaped("", "\r\n", ["a\nb\n"]), "a\r\nb\r\n");
  assert.equal(await shaped("B", "\n", ["a\n"]), "a\n\n");
  assert.equal(reshapes("Rq", "\n"), false);
  assert.equal(reshapes("R.", "\n"), true);
  assert.equal(reshapes("", "\r\n"), true);
});

Deno.test("F R O D write the envelope lines in Postfix's order", () => {
  const text = new TextDecoder().decode(
    pipePrefix(
      "DORF",
      {
        sender: "alice@example.org",
        recipient: "bob@example.com",
        originalRecipient: "Bob@Example.COM",
      },
      Date.UTC(2024, 10, 25, 3, 54, 32),
      "\n",
    ),
  );
  assert.match(
    text,
    /^From alice@example\.org Mon Nov 25 \d\d:54:32 2024\nReturn-Path: <alice@example\.org>\nX-Original-To: Bob@Example\.COM\nDelivered-To: bob@example\.com\n$/,
  );
});

Deno.test("macros: extension, h and u folding, q quoting, null sender", () => {
  const facts = {
    sender: "",
    recipient: "Bob+Lists@Example.COM",
    nexthop: "",
    size: 1234,
    queueId: "Q1",
    delimiter: "+",
    nullSender: "MAILER-DAEMON",
    client: {
      name: "mx.example.org",
      address: "192.0.2.1",
      helo: "mx",
      protocol: "ESMTP",
    },
  };
  const plain = pipeMacroValues(facts, "");
  assert.equal(plain.sender, "MAILER-DAEMON");
  assert.equal(plain.user, "Bob");
  assert.equal(plain.extension, "Lists");
  assert.equal(plain.mailbox, "Bob+Lists");
  assert.equal(plain.domain, "Example.COM");
  assert.equal(plain.nexthop, "Example.COM");
  assert.equal(plain.size, "1234");
  assert.equal(plain.client_address, "192.0.2.1");
  const folded = pipeMacroValues(facts, "hu");
  assert.equal(folded.recipient, "bob+lists@example.com");
  assert.equal(folded.user, "bob");
  assert.equal(folded.domain, "example.com");
  const quoted = pipeMacroValues(
    { ...facts, recipient: "first last@example.com", sender: "a@b" },
    "q",
  );
  assert.equal(quoted.recipient, '"first last"@example.com');
  assert.deepEqual(
    expandPipeArgv(
      ["/bin/x", "-f", "${sender}", "--", "${recipient}", "${unknown}"],
      quoted,
    ),
    ["/bin/x", "-f", "a@b", "--", '"first last"@example.com', "${unknown}"],
  );
});
