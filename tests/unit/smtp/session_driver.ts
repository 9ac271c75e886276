/**
 * Drives the pure smtpd session in tests: one event at a time, with the
 * replies and log lines of each step at hand.
 */
import type { Config } from "../../../src/config/types.ts";
import { formatReply } from "../../../src/smtp/replies.ts";
import {
  type ClientIdentity,
  type DataSummary,
  newSession,
  type SessionAction,
  type SessionEvent,
  type SmtpSession,
  step,
} from "../../../src/smtp/session.ts";
import { testConfig } from "./test_config.ts";

/** A session under test and the actions of its last step. */
export class SessionDriver {
  session: SmtpSession = newSession();
  actions: readonly SessionAction[] = [];

  constructor(readonly policy: Config) {}

  /** Steps with `event`; returns the formatted replies of that step. */
  send(event: SessionEvent): string[] {
    const t = step(this.session, event, this.policy);
    this.session = t.session;
    this.actions = t.actions;
    return this.replies();
  }

  /** Sends one command line; returns its replies (one string per reply). */
  command(line: string): string[] {
    return this.send({ type: "command", line });
  }

  /** The replies of the last step, CRLF removed, lines joined by "\n". */
  replies(): string[] {
    return this.actions.flatMap((a) =>
      a.type === "reply"
        ? [formatReply(a.reply).trimEnd().replaceAll("\r\n", "\n")]
        : []
    );
  }

  /** The maillog lines of the last step, as `program: text`. */
  logs(): string[] {
    return this.actions.flatMap((a) =>
      a.type === "log" ? [`${a.program}: ${a.text}`] : []
    );
  }

  /** The action types of the last step, in order. */
  kinds(): string[] {
    return this.actions.map((a) => a.type);
  }
}

/** A connected session (greeting done) for `client`. */
export function connected(
  overrides: Partial<Config> = {},
  client: ClientIdentity = { name: "localhost", address: "127.0.0.1" },
): SessionDriver {
  const d = new SessionDriver(testConfig(overrides));
  d.send({ type: "connect", client, activeSessions: 0 });
  return d;
}

/** A session inside a transaction: EHLO and MAIL FROM done. */
export function inMail(
  overrides: Partial<Config> = {},
  client?: ClientIdentity,
): SessionDriver {
  const d = connected(overrides, client);
  d.command("EHLO client.example");
  d.command("MAIL FROM:<sender@client.example>");
  return d;
}

/** A data summary for a clean message. */
export function cleanData(changes: Partial<DataSummary> = {}): DataSummary {
  return {
    size: 100,
    overLimit: false,
    bareNewline: false,
    longLine: false,
    messageId: null,
    failure: null,
    ...changes,
  };
}

/** A session whose message content has just been read (phase `data` ended). */
export function inData(overrides: Partial<Config> = {}): SessionDriver {
  const d = inMail(overrides);
  d.command("RCPT TO:<friend@remote.example>");
  d.command("DATA");
  d.send({ type: "data-begun", queueId: "4QID" });
  return d;
}
