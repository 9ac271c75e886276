/**
 * Property tests of the MAIL FROM / RCPT TO parameters
 * (src/smtp/mail_parameters.ts, dsn_parameters.ts) and xtext
 * (src/common/xtext.ts): any text gives values or a refusal with a
 * proper reply, never an exception; values respect their limits; DSN
 * values written by mailsrv (bounces, relaying) read back the same.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  parseMailParameters,
  parseRcptParameters,
} from "../../src/smtp/mail_parameters.ts";
import { parseEnvid, parseOrcpt } from "../../src/smtp/dsn_parameters.ts";
import {
  decodeXtext,
  encodeXtext,
  orcptParameter,
} from "../../src/common/xtext.ts";
import type { Reply } from "../../src/smtp/replies.ts";
import { fuzz, longRun, mailText } from "./fuzz.ts";

const KEYWORDS = [
  "SIZE",
  "BODY",
  "RET",
  "ENVID",
  "NOTIFY",
  "ORCPT",
  "AUTH",
  "SMTPUTF8",
  "size",
  "Notify",
];
const VALUES = [
  "",
  "0",
  "10",
  "99999999999999999999",
  "123456789012345678901",
  "-1",
  "7bit",
  "8BITMIME",
  "BINARYMIME",
  "FULL",
  "hdrs",
  "NEVER",
  "SUCCESS,FAILURE",
  "never,delay",
  "SUCCESS,,DELAY",
  "rfc822;a@b",
  "rfc822;a+2Bb@c",
  "rfc822;+",
  "rfc822;+ZZ",
  ";x",
  "x;",
  "QQ314159",
  "a+20b",
  "+00",
  "+7F",
  "=",
  "\r\n",
  "\0",
];

/** `KEY=VALUE KEY …` lists, often nearly valid. */
const parameterList = fc.oneof(
  fc.array(
    fc.tuple(
      fc.constantFrom(...KEYWORDS),
      fc.option(fc.oneof(fc.constantFrom(...VALUES), mailText("+=;,")), {
        nil: undefined,
      }),
    ).map(([k, v]) => v === undefined ? k : `${k}=${v}`),
    { maxLength: 6 },
  ).map((t) => t.join(" ")),
  mailText("=+; ,"),
  longRun("+= ;,"),
  longRun("9").map((n) => `SIZE=${n}`),
);

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

function checkRefusal(r: Reply): void {
  assert.ok([501, 552, 555].includes(r.code), `code ${r.code}`);
  assert.match(r.enhanced ?? "", /^5\.\d\.\d$/);
  for (const line of r.lines) assert.ok(!CONTROL.test(line), line);
}

const printableAscii = (min: number, max: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) =>
      String.fromCharCode(c)
    ),
    minLength: min,
    maxLength: max,
  });

Deno.test("fuzz: MAIL FROM parameters give values or a 5xx, never throw", () => {
  fuzz(
    "smtp MAIL parameters",
    fc.property(parameterList, fc.nat(), (text, limit) => {
      const parsed = parseMailParameters(text, limit);
      if (!parsed.ok) return checkRefusal(parsed.reply);
      const { size, body, ret, envid } = parsed.value;
      if (size !== null) {
        assert.ok(Number.isFinite(size) && size >= 0);
        if (limit > 0) assert.ok(size <= limit);
      }
      assert.ok(body === null || body === "7BIT" || body === "8BITMIME");
      assert.ok(ret === null || ret === "FULL" || ret === "HDRS");
      if (envid !== null) {
        assert.ok(envid.length > 0 && envid.length <= 100);
        assert.ok(!CONTROL.test(envid) && !/[^\x20-\x7e]/.test(envid));
      }
    }),
    { seed: 0x3461, numRuns: 1000 },
  );
});

Deno.test("fuzz: RCPT TO parameters give values or a 5xx, never throw", () => {
  fuzz(
    "smtp RCPT parameters",
    fc.property(parameterList, (text) => {
      const parsed = parseRcptParameters(text);
      if (!parsed.ok) return checkRefusal(parsed.reply);
      const { notify, orcpt } = parsed.value;
      if (notify !== undefined) {
        assert.ok(notify.length > 0);
        assert.ok(notify.length === 1 || !notify.includes("NEVER"));
        assert.equal(new Set(notify).size, notify.length);
      }
      if (orcpt !== undefined) {
        assert.match(orcpt.type, /^[A-Za-z0-9!#$%&'*+\/=?^_`{|}~-]+$/);
        assert.ok(orcpt.address !== "" && !/[^\x20-\x7e]/.test(orcpt.address));
      }
    }),
    { seed: 0x3462, numRuns: 1000 },
  );
});

Deno.test("fuzz: xtext decodes what it encodes", () => {
  fuzz(
    "xtext round trip",
    fc.property(
      fc.string({
        unit: fc.integer({ min: 0, max: 0xff }).map((c) =>
          String.fromCharCode(c)
        ),
        maxLength: 60,
      }),
      (text) => {
        const encoded = encodeXtext(text);
        assert.ok(!/[^\x21-\x7e]/.test(encoded), encoded);
        assert.equal(decodeXtext(encoded), text);
      },
    ),
    { seed: 0x3463, numRuns: 1000 },
  );
  fuzz(
    "xtext decode",
    fc.property(mailText("+0123456789ABCDEFabcdef= "), (text) => {
      const decoded = decodeXtext(text);
      if (decoded !== undefined) {
        assert.equal(decodeXtext(encodeXtext(decoded)), decoded);
      }
    }),
    { seed: 0x3464, numRuns: 1000 },
  );
});

Deno.test("fuzz: ENVID and ORCPT as mailsrv writes them read back the same", () => {
  fuzz(
    "dsn envid/orcpt round trip",
    fc.property(
      printableAscii(1, 30),
      fc.constantFrom("rfc822", "utf-8", "x-local"),
      printableAscii(1, 60),
      (envid, type, address) => {
        const e = parseEnvid(encodeXtext(envid));
        assert.ok(e.ok);
        assert.equal(e.value, envid);
        const o = parseOrcpt(orcptParameter({ type, address }));
        assert.ok(o.ok);
        assert.deepEqual(o.value, { type, address });
      },
    ),
    { seed: 0x3465, numRuns: 500 },
  );
});
