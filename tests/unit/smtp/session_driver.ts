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
import type {
  RestrictionRequest,
  RestrictionVerdict,
} from "../../../src/policy/restrictions/mod.ts";

/** A session under test and the actions of its last step. */
export class SessionDriver {
  session: SmtpSession = newSession();
  actions: readonly SessionAction[] = [];

  constructor(readonly policy: Config) {}

  /**
   * Steps with `event`; returns the formatted replies of that step. A
   * `check-restrictions` action is answered at once by `restrictions`
   * (the adapter's part): the actions of both steps are kept, but for
   * the `check-restrictions` itself, whose request is kept in `checked`.
   */
  send(event: SessionEvent): string[] {
    const t = step(this.session, event, this.policy);
    this.session = t.session;
    this.actions = t.actions;
    const check = t.actions.find((a) => a.type === "check-restrictions");
    if (check !== undefined && this.answerRestrictions) {
      const answered = step(this.session, {
        type: "restriction-verdict",
        verdict: this.restrictions(this.session, this.policy),
      }, this.policy);
      this.session = answered.session;
      this.checked = check.request;
      this.actions = [
        ...t.actions.filter((a) => a !== check),
        ...answered.actions,
      ];
    }
    return this.replies();
  }

  /** The request of the last `check-restrictions` answered. */
  checked: RestrictionRequest | null = null;

  /** Answer `check-restrictions` at once (tests of the round trip turn it off). */
  answerRestrictions = true;

  /** The verdict given for `check-restrictions` (default: relay rules only). */
  restrictions: (s: SmtpSession, policy: Config) => RestrictionVerdict =
    relayOnly;

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

/**
 * A stand-in for the evaluator with the default lists: a recipient
 * outside the local domains from a client outside mynetworks that has
 * not authenticated is refused.
 */
export function relayOnly(s: SmtpSession): RestrictionVerdict {
  const pending = s.pendingCheck;
  const stranger = pending?.stage === "rcpt" &&
    pending.addressClass !== "local" && !pending.verify &&
    !s.clientInMynetworks && !s.clientPopBeforeSmtp &&
    s.authenticatedUser === null;
  return {
    refusal: stranger
      ? {
        code: 554,
        dsn: "5.7.1",
        text: `<${pending.given}>: Relay access denied`,
      }
      : null,
    warnings: [],
    dispositions: [],
  };
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
