import assert from "node:assert/strict";
import {
  parseMailParameters,
  parseRcptParameters,
} from "../../../src/smtp/mail_parameters.ts";
import { formatReply } from "../../../src/smtp/replies.ts";

const refusal = (
  r:
    | ReturnType<typeof parseMailParameters>
    | ReturnType<typeof parseRcptParameters>,
) => r.ok ? "accepted" : formatReply(r.reply).trimEnd();

Deno.test("no parameters", () => {
  assert.deepEqual(parseMailParameters("", 1000), {
    ok: true,
    value: { size: null, body: null },
  });
});

Deno.test("SIZE and BODY are read, keywords in any case", () => {
  assert.deepEqual(parseMailParameters("size=1000  Body=8bitmime", 1000), {
    ok: true,
    value: { size: 1000, body: "8BITMIME" },
  });
  assert.deepEqual(parseMailParameters("BODY=7BIT", 0), {
    ok: true,
    value: { size: null, body: "7BIT" },
  });
});

Deno.test("SIZE over message_size_limit is refused at once (RFC 1870)", () => {
  assert.equal(
    refusal(parseMailParameters("SIZE=1001", 1000)),
    "552 5.3.4 Message size exceeds fixed limit",
  );
  assert.equal(
    refusal(parseMailParameters("SIZE=99999999999999999999", 1000)),
    "552 5.3.4 Message size exceeds fixed limit",
  );
  assert.ok(parseMailParameters("SIZE=99999999", 0).ok, "0 means no limit");
});

Deno.test("bad SIZE and BODY values are syntax errors", () => {
  assert.equal(
    refusal(parseMailParameters("SIZE=", 1000)),
    "501 5.5.4 Bad message size syntax",
  );
  assert.equal(
    refusal(parseMailParameters("SIZE=-1", 1000)),
    "501 5.5.4 Bad message size syntax",
  );
  assert.equal(
    refusal(parseMailParameters("SIZE", 1000)),
    "501 5.5.4 Bad message size syntax",
  );
  assert.equal(
    refusal(parseMailParameters("BODY=BINARYMIME", 1000)),
    "501 5.5.4 Bad BODY keyword syntax",
  );
});

Deno.test("unknown parameters are unsupported options (555)", () => {
  assert.equal(
    refusal(parseMailParameters("RET=HDRS", 1000)),
    "555 5.5.4 Unsupported option: RET=HDRS",
  );
  assert.equal(
    refusal(parseMailParameters("SIZE=1 SMTPUTF8", 1000)),
    "555 5.5.4 Unsupported option: SMTPUTF8",
  );
  assert.equal(
    refusal(parseRcptParameters("NOTIFY=NEVER")),
    "555 5.5.4 Unsupported option: NOTIFY=NEVER",
  );
  assert.deepEqual(parseRcptParameters(""), { ok: true, value: null });
});
