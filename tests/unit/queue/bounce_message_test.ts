import assert from "node:assert/strict";
import {
  type BounceInput,
  buildBounce,
  remoteMta,
} from "../../../src/queue/bounce_message.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

const T0 = Date.UTC(2024, 10, 25, 2, 54, 32);
const ORIGINAL = "Subject: hello\nFrom: alice@example.test\n\nHi Bob.\n";

function input(overrides: Partial<BounceInput> = {}): BounceInput {
  return {
    envelope: {
      id: "8DsBw0lSIIgfQSJ",
      sender: "alice@example.test",
      arrivalTime: T0 - 60_000,
      size: new TextEncoder().encode(ORIGINAL).length,
    },
    failures: [
      {
        recipient: "bob@example.org",
        originalRecipient: { type: "rfc822", address: "Bob@example.org" },
        dsn: "5.1.1",
        reason: 'unknown user: "bob"',
        relay: "local",
      },
      {
        recipient: "carol@far.example",
        dsn: "4.4.1",
        reason: "connect to mx.far.example[192.0.2.9]:25: Connection refused",
        relay: "mx.far.example[192.0.2.9]:25",
      },
    ],
    config: baseTestConfig({
      myhostname: "mx.example.test",
      bounce_size_limit: 50_000,
    }),
    now: T0,
    queueId: "8DsBw0lSIIgfQSK",
    boundary: "8DsBw0lSIIgfQSJ.1732503272/mx.example.test",
    zoneOffsetMinutes: 60,
    ...overrides,
  };
}

/** The notice as the queue would hold it, with `between` as part 3. */
function assemble(notice: ReturnType<typeof buildBounce>, between: string) {
  const decoder = new TextDecoder();
  return decoder.decode(notice.head) + between + decoder.decode(notice.tail);
}

/** Parses `message` with Python's email package; returns its summary. */
async function parseWithPython(message: string): Promise<
  {
    type: string;
    report_type: string;
    headers: Record<string, string>;
    parts: string[];
    text: string;
    status: Record<string, string>[];
    original: string;
  }
> {
  const script = `
import email, json, re, sys
from email import policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.compat32)
parts = m.get_payload()
unfold = lambda v: re.sub(r"\\r?\\n(?=[ \\t])", "", v)
status = [{k: unfold(v) for k, v in block.items()} for block in parts[1].get_payload()]
third = parts[2]
original = third.get_payload()[0].as_string() if third.get_content_type() == "message/rfc822" else third.get_payload()
print(json.dumps({
  "type": m.get_content_type(),
  "report_type": m.get_param("report-type"),
  "headers": {k: str(v) for k, v in m.items() if k != "Content-Type"},
  "parts": [p.get_content_type() for p in parts],
  "text": parts[0].get_payload(),
  "status": status,
  "original": original,
}))
`;
  const child = new Deno.Command("python3", {
    args: ["-c", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(message));
  await writer.close();
  const output = await child.output();
  assert.equal(
    output.code,
    0,
    new TextDecoder().decode(output.stderr),
  );
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

Deno.test("the notice is an RFC 3464 multipart/report that Python's email package reads", async () => {
  const notice = buildBounce(input());
  assert.equal(notice.returned, "message");
  assert.deepEqual(notice.envelope, {
    sender: "",
    recipients: ["alice@example.test"],
    clientName: "localhost",
    clientAddress: "127.0.0.1",
    helo: "mx.example.test",
    protocol: "LOCAL",
  });
  const parsed = await parseWithPython(assemble(notice, ORIGINAL));
  assert.equal(parsed.type, "multipart/report");
  assert.equal(parsed.report_type, "delivery-status");
  assert.deepEqual(parsed.headers, {
    "From": "MAILER-DAEMON@mx.example.test (Mail Delivery System)",
    "To": "<alice@example.test>",
    "Subject": "Undelivered Mail Returned to Sender",
    "Date": "Mon, 25 Nov 2024 03:54:32 +0100",
    "Message-Id": "<20241125025432.8DsBw0lSIIgfQSK@mx.example.test>",
    "Auto-Submitted": "auto-replied",
    "MIME-Version": "1.0",
  });
  assert.deepEqual(parsed.parts, [
    "text/plain",
    "message/delivery-status",
    "message/rfc822",
  ]);
  assert.match(
    parsed.text,
    /^This is the mail system at host mx\.example\.test\.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients\. It's attached below\./,
  );
  assert.match(parsed.text, /\n<bob@example\.org>: unknown user: "bob"\n/);
  assert.match(
    parsed.text,
    /\n<carol@far\.example>: connect to mx\.far\.example\[192\.0\.2\.9\]:25: Connection\n {4}refused\n$/,
  );
  assert.deepEqual(parsed.status, [
    {
      "Reporting-MTA": "dns; mx.example.test",
      "X-Mailsrv-Queue-ID": "8DsBw0lSIIgfQSJ",
      "X-Mailsrv-Sender": "rfc822; alice@example.test",
      "Arrival-Date": "Mon, 25 Nov 2024 03:53:32 +0100",
    },
    {
      "Final-Recipient": "rfc822; bob@example.org",
      "Original-Recipient": "rfc822; Bob@example.org",
      "Action": "failed",
      "Status": "5.1.1",
      "Diagnostic-Code": 'X-Postfix; unknown user: "bob"',
    },
    {
      "Final-Recipient": "rfc822; carol@far.example",
      "Action": "failed",
      "Status": "4.4.1",
      "Remote-MTA": "dns; mx.far.example",
      "Diagnostic-Code":
        "X-Postfix; connect to mx.far.example[192.0.2.9]:25: Connection refused",
    },
  ]);
  assert.equal(parsed.original, ORIGINAL);
});

Deno.test("over bounce_size_limit only the original's headers are returned", async () => {
  const notice = buildBounce(
    input({
      config: baseTestConfig({
        myhostname: "mx.example.test",
        bounce_size_limit: 10,
      }),
    }),
  );
  assert.equal(notice.returned, "headers");
  const headers = "Subject: hello\nFrom: alice@example.test\n";
  const parsed = await parseWithPython(assemble(notice, headers));
  assert.deepEqual(parsed.parts, [
    "text/plain",
    "message/delivery-status",
    "text/rfc822-headers",
  ]);
  assert.equal(parsed.original, headers);
  assert.match(parsed.text, /Its headers are attached below\./);
});

Deno.test("long reasons are folded: no line exceeds 998 octets, the text survives unfolding", async () => {
  const word = "x".repeat(2000);
  const reason = `said: 550 ${word} and ${"more words ".repeat(40)}`;
  const notice = buildBounce(
    input({
      failures: [{
        recipient: "bob@example.org",
        dsn: "5.0.0",
        reason: reason + "\r\nInjected: header",
        relay: "none",
      }],
    }),
  );
  const message = assemble(notice, ORIGINAL);
  for (const line of message.split("\n")) {
    assert.ok(new TextEncoder().encode(line).length <= 998, line.slice(0, 40));
  }
  assert.ok(!/^Injected:/m.test(message), "a CR LF in a reason is no line");
  const parsed = await parseWithPython(message);
  const diagnostic = parsed.status[1]["Diagnostic-Code"];
  assert.ok(diagnostic.startsWith("X-Postfix; said: 550 xxx"));
  assert.ok(diagnostic.includes(" and more words more words"));
});

Deno.test("an 8-bit original is declared 8bit; non-ASCII stays out of the delivery-status part", () => {
  const notice = buildBounce(
    input({
      envelope: {
        id: "8DsBw0lSIIgfQSJ",
        sender: "alice@example.test",
        arrivalTime: T0,
        size: 10,
        bodyType: "8BITMIME",
      },
      failures: [{
        recipient: "jörg@example.org",
        dsn: "5.1.1",
        reason: "unknown user: jörg",
        relay: "local",
      }],
    }),
  );
  assert.equal(notice.envelope.bodyType, "8BITMIME");
  const text = new TextDecoder().decode(notice.head);
  assert.match(
    text,
    /Content-Type: message\/rfc822\nContent-Transfer-Encoding: 8bit\n\n$/,
  );
  assert.match(text, /Content-Type: text\/plain; charset=utf-8/);
  assert.match(text, /<jörg@example\.org>: unknown user: jörg/);
  assert.match(text, /Final-Recipient: utf-8; j\\x\{F6\}rg@example\.org/);
  assert.match(text, /Diagnostic-Code: X-Postfix; unknown user: j\\x\{F6\}rg/);
});

Deno.test("a malformed status code is reported as 5.0.0; defaults are derived", () => {
  const notice = buildBounce(
    input({
      failures: [{
        recipient: "bob@example.org",
        dsn: "bogus",
        reason: "x",
        relay: "none",
      }],
      boundary: undefined,
      queueId: undefined,
    }),
  );
  const text = new TextDecoder().decode(notice.head);
  assert.match(text, /\nStatus: 5\.0\.0\n/);
  assert.match(
    text,
    /boundary="8DsBw0lSIIgfQSJ\.1732503272\/mx\.example\.test"/,
  );
  assert.match(text, /Message-Id: <20241125025432\.8DsBw0lSIIgfQSJ@/);
  assert.equal(
    new TextDecoder().decode(notice.tail),
    "\n--8DsBw0lSIIgfQSJ.1732503272/mx.example.test--\n",
  );
});

Deno.test("no notice is built for the null sender or for no failure", () => {
  assert.throws(
    () =>
      buildBounce(
        input({
          envelope: { ...input().envelope, sender: "" },
        }),
      ),
    /null sender/,
  );
  assert.throws(() => buildBounce(input({ failures: [] })), /No failed/);
});

Deno.test("remoteMta names the host of a relayed delivery only", () => {
  assert.equal(remoteMta("mx.far.example[192.0.2.9]:25"), "mx.far.example");
  assert.equal(remoteMta("local"), undefined);
  assert.equal(remoteMta("none"), undefined);
  assert.equal(remoteMta("virtual"), undefined);
});

Deno.test("a success notice with ENVID and ORCPT, as Python's email package reads it", async () => {
  const notice = buildBounce(
    input({
      kind: "success",
      envelope: { ...input().envelope, envid: "QQ314159" },
      failures: [{
        recipient: "bob@example.org",
        originalRecipient: { type: "rfc822", address: "Bob@Example.ORG" },
        dsn: "2.0.0",
        reason: "delivered to maildir",
        relay: "local",
      }, {
        recipient: "list@example.org",
        dsn: "2.0.0",
        reason: "forwarded as 8DsBw0lSIIgfQSL",
        relay: "local",
        action: "expanded",
      }],
    }),
  );
  assert.equal(notice.returned, "headers", "headers only unless RET=FULL");
  const parsed = await parseWithPython(
    assemble(notice, "Subject: hello\nFrom: alice@example.test\n"),
  );
  assert.equal(parsed.headers.Subject, "Successful Mail Delivery Report");
  assert.equal(parsed.headers.To, "<alice@example.test>");
  assert.deepEqual(parsed.parts, [
    "text/plain",
    "message/delivery-status",
    "text/rfc822-headers",
  ]);
  assert.match(parsed.text, /here is the delivery report of your message/);
  assert.match(parsed.text, /\n<bob@example\.org>: delivered to maildir\n/);
  assert.deepEqual(parsed.status, [
    {
      "Original-Envelope-Id": "QQ314159",
      "Reporting-MTA": "dns; mx.example.test",
      "Arrival-Date": "Mon, 25 Nov 2024 03:53:32 +0100",
      "X-Mailsrv-Queue-ID": "8DsBw0lSIIgfQSJ",
      "X-Mailsrv-Sender": "rfc822; alice@example.test",
    },
    {
      "Original-Recipient": "rfc822; Bob@Example.ORG",
      "Final-Recipient": "rfc822; bob@example.org",
      "Action": "delivered",
      "Status": "2.0.0",
      "Diagnostic-Code": "X-Postfix; delivered to maildir",
    },
    {
      "Final-Recipient": "rfc822; list@example.org",
      "Action": "expanded",
      "Status": "2.0.0",
      "Diagnostic-Code": "X-Postfix; forwarded as 8DsBw0lSIIgfQSL",
    },
  ]);
});

Deno.test("a delay notice says how long, until when, and returns the message for RET=FULL", async () => {
  const notice = buildBounce(
    input({
      kind: "delay",
      envelope: {
        ...input().envelope,
        arrivalTime: T0 - 4 * 3600_000,
        ret: "FULL",
      },
      failures: [input().failures[1]],
      config: baseTestConfig({
        myhostname: "mx.example.test",
        bounce_size_limit: 50_000,
        maximal_queue_lifetime: 5 * 86400,
      }),
    }),
  );
  assert.equal(notice.returned, "message");
  const parsed = await parseWithPython(assemble(notice, ORIGINAL));
  assert.equal(parsed.headers.Subject, "Delayed Mail (still being retried)");
  assert.deepEqual(parsed.parts, [
    "text/plain",
    "message/delivery-status",
    "message/rfc822",
  ]);
  assert.equal(parsed.original, ORIGINAL);
  assert.match(parsed.text, /This is a warning only/);
  assert.match(parsed.text, /in the queue for 4 hour\(s\)/);
  assert.match(parsed.text, /until the message is 5 day\(s\) old/);
  assert.deepEqual(parsed.status[1], {
    "Final-Recipient": "rfc822; carol@far.example",
    "Action": "delayed",
    "Status": "4.4.1",
    "Remote-MTA": "dns; mx.far.example",
    "Diagnostic-Code":
      "X-Postfix; connect to mx.far.example[192.0.2.9]:25: Connection refused",
    "Will-Retry-Until": "Fri, 29 Nov 2024 23:54:32 +0100",
  });
});

Deno.test("RET=HDRS returns a failure's headers only, even when it fits", () => {
  const notice = buildBounce(
    input({ envelope: { ...input().envelope, ret: "HDRS" } }),
  );
  assert.equal(notice.returned, "headers");
  assert.match(
    new TextDecoder().decode(notice.head),
    /Content-Description: Undelivered Message Headers\nContent-Type: text\/rfc822-headers\n/,
  );
});

Deno.test("a postmaster copy comes from double-bounce and goes where it is told", () => {
  const notice = buildBounce(
    input({
      kind: "postmaster",
      envelope: { ...input().envelope, sender: "" },
      to: "postmaster@example.test",
    }),
  );
  assert.deepEqual(
    [notice.envelope.sender, notice.envelope.recipients],
    ["double-bounce@mx.example.test", ["postmaster@example.test"]],
  );
  const head = new TextDecoder().decode(notice.head);
  assert.match(head, /\nTo: <postmaster@example\.test>\n/);
  assert.match(head, /\nSubject: Postmaster Copy: Undelivered Mail\n/);
  assert.match(head, /\nX-Mailsrv-Sender: rfc822;\n/, "the null sender");
});
