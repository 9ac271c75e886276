/**
 * Replays an SMTP transcript through the real connection adapter over an
 * in-memory stream (no socket), in the manner of chasquid's .cmy dialogs.
 *
 * Transcript lines:
 *   # comment
 *   ! client 192.0.2.9                client address (default 127.0.0.1)
 *   ! config name <JSON value>        a Config override
 *   ! users alice bob                 local parts the verifier knows
 *   C: text                           client line; consecutive C: lines are
 *                                     sent as ONE read (a pipelined batch);
 *                                     \r, \n and \\ escapes are honoured,
 *                                     and CRLF is appended
 *   C+ text                           like C: but without the final CRLF
 *   S: text                           server line; the S: lines after a batch
 *                                     must be written in ONE write; a bare
 *                                     "S:" says the batch gets no reply
 *   Q: ID from=<a> to=<b>,<c>         a committed message and its envelope
 *   M: text                           its content lines (after Received:)
 *   L: program: text                  a maillog line (in order, others may
 *                                     come between)
 */
import assert from "node:assert/strict";
import type { Config } from "../../../src/config/types.ts";
import { serveSmtpConnection } from "../../../src/smtp/connection.ts";
import {
  collectMaillog,
  FakeQueue,
  ScriptedStream,
  verifierFor,
  withoutReceived,
} from "./fakes.ts";
import { testConfig } from "./test_config.ts";

interface Exchange {
  /** Bytes of the batch; null for the greeting. */
  client: string | null;
  server: string;
}

interface Expected {
  id: string;
  from: string;
  to: string[];
  content: string;
}

interface Transcript {
  client: string;
  config: Partial<Config>;
  users: string[];
  exchanges: Exchange[];
  messages: Expected[];
  logs: string[];
}

function unescape(text: string): string {
  return text.replace(
    /\\([rn\\])/g,
    (_, c) => c === "r" ? "\r" : c === "n" ? "\n" : "\\",
  );
}

/** Parses transcript text (see the module comment). */
export function parseTranscript(text: string): Transcript {
  const t: Transcript = {
    client: "127.0.0.1",
    config: {},
    users: [],
    exchanges: [{ client: null, server: "" }],
    messages: [],
    logs: [],
  };
  let lastKind = "S";
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const kind = line.slice(0, 2);
    const rest = line.slice(3);
    const current = t.exchanges[t.exchanges.length - 1];
    if (kind === "! ") {
      const [what, ...args] = line.slice(2).split(" ");
      if (what === "client") t.client = args[0];
      else if (what === "users") t.users = args;
      else if (what === "config") {
        (t.config as Record<string, unknown>)[args[0]] = JSON.parse(
          args.slice(1).join(" "),
        );
      } else throw new Error(`unknown directive "${line}"`);
    } else if (kind === "C:" || kind === "C+") {
      const bytes = unescape(rest) + (kind === "C:" ? "\r\n" : "");
      if (lastKind === "C") current.client += bytes;
      else t.exchanges.push({ client: bytes, server: "" });
      lastKind = "C";
    } else if (kind === "S:") {
      if (line !== "S:") current.server += `${rest}\r\n`;
      lastKind = "S";
    } else if (kind === "Q:") {
      const m = /^(\S+) from=<(.*?)> to=(.*)$/.exec(rest);
      if (!m) throw new Error(`bad Q: line "${line}"`);
      t.messages.push({
        id: m[1],
        from: m[2],
        to: m[3].slice(1, -1).split(">,<"),
        content: "",
      });
    } else if (kind === "M:") {
      t.messages[t.messages.length - 1].content += `${rest}\n`;
    } else if (kind === "L:") {
      t.logs.push(rest);
    } else throw new Error(`bad transcript line "${line}"`);
  }
  return t;
}

/** Runs `text` against serveSmtpConnection and asserts every expectation. */
export async function runTranscript(text: string): Promise<void> {
  const t = parseTranscript(text);
  const queue = new FakeQueue();
  const batches = t.exchanges.slice(1).map((e) => e.client ?? "");
  const stream = new ScriptedStream(batches);
  const logs = await collectMaillog(() =>
    serveSmtpConnection(stream, {
      config: () => testConfig(t.config),
      enqueue: queue.open,
      verifyRecipient: verifierFor(...t.users),
      now: () => Date.UTC(2024, 10, 25, 2, 54, 32),
    }, t.client)
  );

  const written = stream.writesPerBatch();
  t.exchanges.forEach((exchange, i) => {
    const what = exchange.client === null
      ? "greeting"
      : `batch ${JSON.stringify(exchange.client)}`;
    const writes = written[i] ?? [];
    assert.equal(writes.join(""), exchange.server, `replies to ${what}`);
    assert.ok(
      writes.length <= 1,
      `replies to ${what} took ${writes.length} writes`,
    );
  });
  assert.equal(
    written.slice(t.exchanges.length).flat().join(""),
    "",
    "replies after the transcript",
  );
  assert.ok(stream.closed, "the connection is closed at the end");

  const committed = queue.messages.filter((m) => m.state === "committed");
  assert.deepEqual(
    committed.map((m) => ({
      id: m.id,
      from: m.envelope.sender,
      to: [...m.envelope.recipients],
      content: withoutReceived(m.content),
    })),
    t.messages,
    "committed messages",
  );
  assert.ok(
    queue.messages.every((m) => m.state !== "open"),
    "no queue file is left open",
  );

  let at = 0;
  for (const expected of t.logs) {
    const found = logs.indexOf(expected, at);
    assert.ok(
      found >= 0,
      `log line "${expected}" not found (in order) in:\n${logs.join("\n")}`,
    );
    at = found + 1;
  }
}
