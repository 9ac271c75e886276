/**
 * Property tests of the pure smtpd state machine (src/smtp/session.ts):
 * random command lines, interleaved with random answers to what the
 * session asks for (verdicts, queue results, TLS and password checks,
 * timeouts, lost connections), never make `step` throw; every reply has
 * a valid code and enhanced code and no line break or NUL in its text;
 * each command line is answered or waits for an answer; a closed
 * session said `close`; no transaction holds more recipients than the
 * limit.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  newSession,
  type SessionAction,
  type SessionEvent,
  type SmtpSession,
  step,
} from "../../src/smtp/session.ts";
import type { Config } from "../../src/config/types.ts";
import { testConfig } from "../unit/smtp/test_config.ts";
import { fuzz, mailText } from "./fuzz.ts";

const VERBS = [
  "HELO",
  "EHLO",
  "MAIL FROM:",
  "RCPT TO:",
  "DATA",
  "RSET",
  "NOOP",
  "VRFY",
  "ETRN",
  "HELP",
  "QUIT",
  "STARTTLS",
  "AUTH PLAIN",
  "AUTH LOGIN",
  "AUTH",
  "EXPN",
  "BDAT",
  "ehlo",
  "mail from:",
];
const ARGUMENTS = [
  "",
  " ",
  "client.example",
  "<>",
  "<a@example.org>",
  "<postmaster>",
  "<b@remote.example>",
  '<"x y"@example.org>',
  "<@r.example:c@example.org>",
  "<a%b@example.org>",
  "<a@[192.0.2.1]>",
  "<a@example.org> SIZE=100 BODY=8BITMIME",
  "<a@example.org> SIZE=99999999999",
  "<a@example.org> RET=HDRS ENVID=x+2By",
  "<a@example.org> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a@b",
  "<a@example.org> NOTIFY=NEVER,SUCCESS",
  "example.org",
  "@example.org",
  "#example.org",
  "AGFsaWNlAHNlY3JldA==",
  "=",
  "*",
  "\r",
  "\0",
];

/** A command line: a verb and an argument, or text of any kind. */
const commandLine = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(
      fc.constantFrom(...VERBS),
      fc.constantFrom(...ARGUMENTS),
    ).map(([v, a]) => `${v}${v.endsWith(":") ? "" : " "}${a}`),
  },
  { weight: 1, arbitrary: mailText(" :<>@\t\r\0", 300) },
);

/** One move of the client or the adapter; `pick` chooses among answers. */
interface Move {
  readonly line: string;
  readonly pick: number;
  readonly text: string;
}

const move = fc.record({
  line: commandLine,
  pick: fc.nat(99),
  // Texts the adapter hands back are mailsrv's own or cleaned where they
  // are read (a policy service's reply: policy_fuzz_test.ts).
  text: fc.constantFrom("Ok", "", "é", "x".repeat(600)),
});

/** The adapter's answer to the session's phase and last actions. */
function nextEvent(
  s: SmtpSession,
  last: readonly SessionAction[],
  m: Move,
): SessionEvent {
  const p = m.pick;
  const flush = last.find((a) => a.type === "flush-site");
  if (flush?.type === "flush-site") {
    return { type: "flush-site-result", site: flush.site, queued: p % 2 === 0 };
  }
  switch (s.phase) {
    case "connecting":
      return {
        type: "connect",
        client: p % 3 === 0
          ? { name: "localhost", address: "127.0.0.1" }
          : { name: "unknown", address: "192.0.2.7" },
        activeSessions: p % 10 === 0 ? 1000 : 0,
        tlsAvailable: p % 2 === 0,
        ...(p % 17 === 0
          ? {
            limitRefusal: {
              code: 421,
              dsn: "4.7.0",
              text: "Too many connections",
            },
          }
          : {}),
      };
    case "command":
    case "sasl-response":
      if (p < 90) {
        return { type: "command", line: m.line, pipelined: p % 2 === 0 };
      }
      if (p < 94) return { type: "command-too-long" };
      if (p < 97) return { type: "timeout" };
      if (p < 99) return { type: "eof" };
      return { type: "shutdown" };
    case "verifying":
      return {
        type: "recipient-verdict",
        verdict: p < 50 ? { ok: true } : p < 70 ? { ok: "remote" } : {
          ok: false,
          code: p < 85 ? 550 : 450,
          dsn: p < 85 ? "5.1.1" : "4.1.1",
          text: m.text,
        },
      };
    case "checking":
      return {
        type: "restriction-verdict",
        verdict: {
          refusal: p < 60 ? null : {
            code: p < 80 ? 554 : 450,
            dsn: p < 80 ? "5.7.1" : "4.7.1",
            text: m.text,
          },
          warnings: [],
          dispositions: p % 7 === 0
            ? [{ action: "discard", reason: m.text }]
            : [],
        },
      };
    case "starting-tls":
      return p < 70
        ? {
          type: "tls-started",
          tls: {
            protocol: "TLSv1.3",
            cipher: "TLS_AES_256_GCM_SHA384",
            bits: 256,
          },
        }
        : { type: "tls-failed", reason: m.text };
    case "authenticating":
      return {
        type: "auth-result",
        outcome: p < 40
          ? { ok: true, username: "alice@example.org" }
          : { ok: false, temporary: p < 60 },
      };
    case "opening":
      return p < 85 ? { type: "data-begun", queueId: "4QID" } : {
        type: "data-open-failed",
        failure: p < 92 ? "no-space" : "write-error",
      };
    case "data":
      if (p >= 95) return { type: p % 2 === 0 ? "eof" : "timeout" };
      return {
        type: "data-end",
        summary: {
          size: p * 37,
          overLimit: p % 11 === 0,
          bareNewline: p % 5 === 0,
          longLine: p % 13 === 0,
          messageId: p % 3 === 0 ? "<id@x>" : null,
          failure: p % 19 === 0 ? "no-space" : null,
        },
      };
    case "committing":
      return p < 90
        ? { type: "queued" }
        : { type: "queue-failed", failure: "write-error" };
    case "closed":
      throw new Error("no event after close");
  }
}

/** Phases in which the session waits for the adapter, not the client. */
const WAITING = new Set([
  "verifying",
  "checking",
  "starting-tls",
  "authenticating",
  "opening",
  "data",
  "committing",
]);

const BAD_TEXT = /[\r\n\0]/;

function checkActions(actions: readonly SessionAction[]): void {
  for (const a of actions) {
    if (a.type !== "reply") continue;
    const { code, enhanced, lines } = a.reply;
    assert.ok(
      Number.isInteger(code) && code >= 200 && code <= 599,
      `code ${code}`,
    );
    if (enhanced !== null) {
      assert.match(enhanced, /^[245]\.\d{1,3}\.\d{1,3}$/);
      assert.equal(enhanced[0], String(code)[0], `${code} ${enhanced}`);
    }
    assert.ok(lines.length > 0);
    for (const l of lines) {
      assert.ok(!BAD_TEXT.test(l), `reply text ${JSON.stringify(l)}`);
    }
  }
}

const policies = fc.record({
  smtpd_sasl_auth_enable: fc.boolean(),
  smtpd_tls_auth_only: fc.boolean(),
  disable_vrfy_command: fc.boolean(),
  smtpd_recipient_limit: fc.integer({ min: 1, max: 3 }),
  smtpd_hard_error_limit: fc.integer({ min: 1, max: 30 }),
  smtpd_data_restrictions: fc.constantFrom([], ["reject_unauth_pipelining"]),
  smtpd_end_of_data_restrictions: fc.constantFrom([], ["permit"]),
  smtpd_tls_security_level: fc.constantFrom("none", "may", "encrypt"),
  message_size_limit: fc.constantFrom(0, 1000, 10240000),
}) as fc.Arbitrary<Partial<Config>>;

Deno.test("fuzz: the smtpd session answers any sequence with valid replies", () => {
  fuzz(
    "smtp session",
    fc.property(
      policies,
      fc.array(move, { maxLength: 40 }),
      (overrides, moves) => {
        const policy = testConfig(overrides);
        let s = newSession();
        let last: readonly SessionAction[] = [];
        for (const m of moves) {
          if (s.phase === "closed") break;
          const event = nextEvent(s, last, m);
          const t = step(s, event, policy);
          checkActions(t.actions);
          if (event.type === "command" && !WAITING.has(t.session.phase)) {
            assert.ok(
              t.actions.some((a) =>
                a.type === "reply" || a.type === "flush-site"
              ) ||
                t.session.phase === "sasl-response",
              `no reply to ${JSON.stringify(event.line)}`,
            );
          }
          if (t.session.phase === "closed") {
            assert.ok(t.actions.some((a) => a.type === "close"));
          }
          const recipients = t.session.transaction?.recipients.length ?? 0;
          assert.ok(recipients <= policy.smtpd_recipient_limit);
          s = t.session;
          last = t.actions;
        }
      },
    ),
    { seed: 0x5321, numRuns: 500 },
  );
});
