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
    value: { size: null, body: null, ret: null, envid: null },
  });
});

Deno.test("SIZE and BODY are read, keywords in any case", () => {
  assert.deepEqual(parseMailParameters("size=1000  Body=8bitmime", 1000), {
    ok: true,
    value: { size: 1000, body: "8BITMIME", ret: null, envid: null },
  });
  assert.deepEqual(parseMailParameters("BODY=7BIT", 0), {
    ok: true,
    value: { size: null, body: "7BIT", ret: null, envid: null },
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
    refusal(parseMailParameters("SIZE=1 SMTPUTF8", 1000)),
    "555 5.5.4 Unsupported option: SMTPUTF8",
  );
  assert.equal(
    refusal(parseMailParameters("NOTIFY=NEVER", 1000)),
    "555 5.5.4 Unsupported option: NOTIFY=NEVER",
  );
  assert.equal(
    refusal(parseRcptParameters("RET=HDRS")),
    "555 5.5.4 Unsupported option: RET=HDRS",
  );
  assert.equal(
    refusal(parseRcptParameters("NOTIFY=NEVER AUTH=<>")),
    "555 5.5.4 Unsupported option: AUTH=<>",
  );
  assert.deepEqual(parseRcptParameters(""), { ok: true, value: {} });
});

Deno.test("DSN: RET and ENVID are read from MAIL FROM, ENVID decoded", () => {
  assert.deepEqual(
    parseMailParameters("ret=hdrs ENVID=QQ+2B314+3D159 SIZE=10", 1000),
    {
      ok: true,
      value: { size: 10, body: null, ret: "HDRS", envid: "QQ+314=159" },
    },
  );
  assert.deepEqual(parseMailParameters("RET=FULL", 0), {
    ok: true,
    value: { size: null, body: null, ret: "FULL", envid: null },
  });
});

Deno.test("DSN: bad RET and ENVID values get 501 5.5.4", () => {
  const cases: Array<[string, string]> = [
    ["RET=ALL", "501 5.5.4 Bad RET parameter syntax"],
    ["RET=", "501 5.5.4 Bad RET parameter syntax"],
    ["ENVID=", "501 5.5.4 Bad ENVID parameter syntax"],
    ["ENVID=a+2", "501 5.5.4 Bad ENVID parameter syntax"],
    ["ENVID=a+G0", "501 5.5.4 Bad ENVID parameter syntax"],
    ["ENVID=a=b", "501 5.5.4 Bad ENVID parameter syntax"],
    ["ENVID=caf\u00e9", "501 5.5.4 Bad ENVID parameter syntax"],
    // Decodes to a control character: not printable.
    ["ENVID=a+0Ab", "501 5.5.4 Bad ENVID parameter syntax"],
    [`ENVID=${"x".repeat(101)}`, "501 5.5.4 Bad ENVID parameter syntax"],
    ["RET=FULL RET=HDRS", "501 5.5.4 Duplicate RET parameter"],
    ["ENVID=a ENVID=a", "501 5.5.4 Duplicate ENVID parameter"],
  ];
  for (const [text, expected] of cases) {
    assert.equal(
      refusal(parseMailParameters(JSON.parse(`"${text}"`), 0)),
      expected,
      text,
    );
  }
  assert.ok(parseMailParameters(`ENVID=${"x".repeat(100)}`, 0).ok);
});

Deno.test("DSN: NOTIFY and ORCPT are read from RCPT TO, ORCPT decoded", () => {
  assert.deepEqual(
    parseRcptParameters("notify=success,Delay ORCPT=rfc822;Bob+40x+2Btag"),
    {
      ok: true,
      value: {
        notify: ["SUCCESS", "DELAY"],
        orcpt: { type: "rfc822", address: "Bob@x+tag" },
      },
    },
  );
  assert.deepEqual(parseRcptParameters("NOTIFY=NEVER"), {
    ok: true,
    value: { notify: ["NEVER"] },
  });
  assert.deepEqual(parseRcptParameters("NOTIFY=FAILURE,FAILURE"), {
    ok: true,
    value: { notify: ["FAILURE"] },
  });
  assert.deepEqual(parseRcptParameters("ORCPT=x-local;bob+20smith"), {
    ok: true,
    value: { orcpt: { type: "x-local", address: "bob smith" } },
  });
});

Deno.test("DSN: bad or repeated NOTIFY and ORCPT get 501 5.5.4", () => {
  const bad = "501 5.5.4 Error: Bad NOTIFY parameter syntax";
  const badOrcpt = "501 5.5.4 Error: Bad ORCPT parameter syntax";
  const cases: Array<[string, string]> = [
    ["NOTIFY=", bad],
    ["NOTIFY=NEVER,SUCCESS", bad],
    ["NOTIFY=SUCCESS,NEVER", bad],
    ["NOTIFY=SUCCESS,", bad],
    ["NOTIFY=ALWAYS", bad],
    ["ORCPT=", badOrcpt],
    ["ORCPT=bob@x", badOrcpt],
    ["ORCPT=;bob@x", badOrcpt],
    ["ORCPT=rfc822;", badOrcpt],
    ["ORCPT=rfc 822;bob", badOrcpt],
    ["ORCPT=rfc822;bob+2", badOrcpt],
    ["ORCPT=rfc822;bob+00", badOrcpt],
    [`ORCPT=rfc822;${"b".repeat(500)}`, badOrcpt],
    [
      "NOTIFY=NEVER NOTIFY=NEVER",
      "501 5.5.4 Error: Multiple NOTIFY parameters",
    ],
    [
      "ORCPT=rfc822;a ORCPT=rfc822;b",
      "501 5.5.4 Error: Multiple ORCPT parameters",
    ],
  ];
  for (const [text, expected] of cases) {
    assert.equal(refusal(parseRcptParameters(text)), expected, text);
  }
});
