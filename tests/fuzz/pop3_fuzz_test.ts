/**
 * Property tests of the pure pop3d state machine (src/pop3/session.ts,
 * commands.ts): random command lines, interleaved with random answers to
 * what the session asks for (login checks, TLS, message sends, commits,
 * timeouts, lost connections), never make `step` throw; every reply is
 * `+OK`, `-ERR` or `+` with no line break or NUL in its text; each
 * command is answered or waits for its answer; a message asked for
 * exists and is not deleted; only QUIT in TRANSACTION commits.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  newSession,
  type Pop3Session,
  type SessionAction,
  type SessionEvent,
  type SessionPolicy,
  step,
} from "../../src/pop3/session.ts";
import { formatReply } from "../../src/pop3/replies.ts";
import { baseTestConfig } from "../helpers/test_config.ts";
import { fuzz, mailText } from "./fuzz.ts";
import { listingOf } from "../../src/pop3/maildrop_listing.ts";

const VERBS = [
  "USER",
  "PASS",
  "AUTH",
  "AUTH PLAIN",
  "STLS",
  "CAPA",
  "QUIT",
  "STAT",
  "LIST",
  "RETR",
  "DELE",
  "NOOP",
  "RSET",
  "TOP",
  "UIDL",
  "APOP",
  "user",
  "retr",
];
const ARGUMENTS = [
  "",
  "1",
  "2",
  "3",
  "0",
  "-1",
  "4294967296",
  "99999999999",
  "1 0",
  "1 5",
  "2 999999999",
  "1 1 1",
  "alice@example.org",
  " secret ",
  "AGFsaWNlAHNlY3JldA==",
  "PLAIN AGFsaWNlAHNlY3JldA==",
  "PLAIN =",
  "PLAIN ====",
  "PLAIN YQBiAGM=",
  "LOGIN",
  "*",
  "\r",
  "\0",
];

const commandLine = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(
      fc.constantFrom(...VERBS),
      fc.constantFrom(...ARGUMENTS),
    )
      .map(([v, a]) => a === "" ? v : `${v} ${a}`),
  },
  { weight: 1, arbitrary: mailText(" \t\r\0=+/", 300) },
);

interface Move {
  readonly line: string;
  readonly pick: number;
}

const messages = fc.array(
  fc.record({ uidl: fc.stringMatching(/^[!-~]{1,20}$/), size: fc.nat(100000) }),
  { maxLength: 4 },
);

function nextEvent(
  s: Pop3Session,
  m: Move,
  mailbox: Readonly<{ uidl: string; size: number }[]>,
): SessionEvent {
  const p = m.pick;
  switch (s.phase) {
    case "connecting":
      return {
        type: "connect",
        client: p % 2 === 0
          ? { name: "localhost", address: "127.0.0.1" }
          : { name: "unknown", address: "192.0.2.7" },
        tls: p % 5 === 0,
        tlsAvailable: p % 3 === 0,
      };
    case "authorization":
    case "transaction":
    case "sasl":
      if (p < 90) return { type: "command", line: m.line };
      if (p < 94) return { type: "command-too-long" };
      if (p < 97) return { type: "timeout" };
      if (p < 99) return { type: "eof" };
      return { type: "shutdown" };
    case "authenticating":
      return {
        type: "login-result",
        outcome: p < 50
          ? { type: "ok" }
          : p < 80
          ? { type: "rejected" }
          : p < 90
          ? { type: "busy" }
          : { type: "unavailable" },
      };
    case "scanning":
      return p < 90
        ? { type: "scanned", messages: listingOf(mailbox) }
        : { type: "scan-failed", reason: "EIO" };
    case "starting-tls":
      return p < 80
        ? { type: "tls-started" }
        : { type: "tls-failed", reason: "handshake" };
    case "transmitting":
      return p < 85 ? { type: "transmitted" } : {
        type: "transmit-failed",
        started: p % 2 === 0,
        reason: "read error",
      };
    case "committing":
      return p < 90
        ? { type: "committed" }
        : { type: "commit-failed", reason: "EIO" };
    case "closed":
      throw new Error("no event after close");
  }
}

const WAITING = new Set([
  "authenticating",
  "scanning",
  "starting-tls",
  "transmitting",
  "committing",
  "sasl",
]);

function checkActions(s: Pop3Session, actions: readonly SessionAction[]): void {
  for (const a of actions) {
    if (a.type === "reply") {
      const wire = formatReply(a.reply);
      assert.match(wire, /^(\+OK|-ERR|\+)( |\r\n)/);
      const lines = wire.split("\r\n");
      assert.equal(lines.pop(), "", "reply ends with CRLF");
      for (const l of lines) assert.ok(!/[\r\n\0]/.test(l), JSON.stringify(l));
    }
    if (a.type === "transmit") {
      assert.ok(
        a.index >= 0 && a.index < s.messages.count,
        `index ${a.index}`,
      );
      assert.ok(!s.deleted.has(a.index), "transmits a deleted message");
    }
  }
}

const policies = fc.record({
  pop3_plaintext_logins: fc.constantFrom("always", "loopback", "never"),
  pop3_max_bad_commands: fc.integer({ min: 1, max: 20 }),
  pop3_max_failed_logins: fc.integer({ min: 1, max: 5 }),
  pop3_failed_login_delay: fc.nat(3),
}) as fc.Arbitrary<Partial<SessionPolicy>>;

const move = fc.record({ line: commandLine, pick: fc.nat(99) });

Deno.test("fuzz: the pop3d session answers any sequence with valid replies", () => {
  fuzz(
    "pop3 session",
    fc.property(
      policies,
      messages,
      fc.array(move, { maxLength: 40 }),
      (overrides, mailbox, moves) => {
        const policy = baseTestConfig(overrides);
        let s = newSession();
        for (const m of moves) {
          if (s.phase === "closed") break;
          const event = nextEvent(s, m, mailbox);
          const t = step(s, event, policy);
          // A scan's result is the snapshot the pending command runs on.
          checkActions(event.type === "scanned" ? t.session : s, t.actions);
          const commits = t.actions.filter((a) => a.type === "commit");
          if (commits.length > 0) {
            assert.equal(s.phase, "transaction");
            assert.equal(event.type, "command");
          }
          if (event.type === "command" && !WAITING.has(t.session.phase)) {
            assert.ok(
              t.actions.some((a) => a.type === "reply"),
              `no reply to ${JSON.stringify(event.line)}`,
            );
          }
          if (t.session.phase === "closed") {
            assert.ok(
              t.actions.some((a) => a.type === "close"),
            );
          }
          for (const i of t.session.deleted) {
            assert.ok(
              i >= 0 && i < t.session.messages.count,
            );
          }
          s = t.session;
        }
      },
    ),
    { seed: 0x1939, numRuns: 500 },
  );
});
