/**
 * The shapes of the pop3d session: its state, the events it takes and the
 * actions it asks for.
 *
 * DESCRIPTION
 *   Types only, so the session (`session.ts`) and its command table
 *   (`commands.ts`) can both name them without importing each other.
 *   `session.ts` re-exports them for the adapter and tests; the phases
 *   and events are described there.
 */
import type { Config } from "../config/types.ts";
import type { Pop3Reply } from "./replies.ts";
import type { MaildropListing } from "./maildrop_listing.ts";

/** The configuration the session reads (a `Config` will do). */
export type SessionPolicy = Pick<
  Config,
  | "myhostname"
  | "pop3_plaintext_logins"
  | "pop3_failed_login_delay"
  | "pop3_max_failed_logins"
  | "pop3_max_bad_commands"
>;

/** The POP3 client: host name (`localhost` or `unknown`) and IP address. */
export interface ClientIdentity {
  readonly name: string;
  readonly address: string;
}

/** Where the session is (see the module comment). */
export type Phase =
  | "connecting"
  | "authorization"
  | "sasl"
  | "authenticating"
  | "starting-tls"
  | "transaction"
  | "scanning"
  | "transmitting"
  | "committing"
  | "closed";

/** What the session did with the maildrop, for the logout line. */
export interface SessionCounts {
  readonly top: number;
  readonly retr: number;
  readonly dele: number;
}

/** The state of one POP3 session. Never mutated: `step` returns a new one. */
export interface Pop3Session {
  readonly phase: Phase;
  readonly client: ClientIdentity;
  /** The client is on a loopback address (`pop3_plaintext_logins = loopback`). */
  readonly loopback: boolean;
  /** The connection is encrypted (pop3s, or after STLS). */
  readonly tls: boolean;
  /** A certificate is configured, so STLS can be offered. */
  readonly tlsAvailable: boolean;
  /** The USER argument awaiting its PASS, or null. */
  readonly user: string | null;
  /** The login being checked or logged in, or null. */
  readonly login: string | null;
  /** The maildrop snapshot once `listed`; empty before. */
  readonly messages: MaildropListing;
  /** The maildrop has been scanned (at the first command that needs it). */
  readonly listed: boolean;
  /** The command line waiting for the scan (phase `scanning`), or null. */
  readonly pending: string | null;
  /** Indexes (0-based) of messages marked deleted. */
  readonly deleted: ReadonlySet<number>;
  readonly failedLogins: number;
  readonly badCommands: number;
  readonly counts: SessionCounts;
}

/** How checking a login and opening its maildrop turned out. */
export type LoginOutcome =
  | { readonly type: "ok" }
  /** Wrong login or password. */
  | { readonly type: "rejected" }
  /** The maildrop is locked by another session or a delivery. */
  | { readonly type: "busy" }
  /** The authenticator or the maildrop failed (not the client's fault). */
  | { readonly type: "unavailable" };

/** Something that happened; the input of `step`. */
export type SessionEvent =
  | {
    readonly type: "connect";
    readonly client: ClientIdentity;
    /** The connection is already encrypted (pop3s). */
    readonly tls: boolean;
    /** STLS can be offered (a certificate is configured). */
    readonly tlsAvailable: boolean;
  }
  | { readonly type: "command"; readonly line: string }
  | { readonly type: "command-too-long" }
  | { readonly type: "login-result"; readonly outcome: LoginOutcome }
  | { readonly type: "tls-started" }
  | { readonly type: "tls-failed"; readonly reason: string }
  | {
    readonly type: "scanned";
    readonly messages: MaildropListing;
  }
  | { readonly type: "scan-failed"; readonly reason: string }
  | { readonly type: "transmitted" }
  | {
    readonly type: "transmit-failed";
    /** Part of the message was already sent: the reply cannot be fixed. */
    readonly started: boolean;
    readonly reason: string;
  }
  | { readonly type: "committed" }
  | { readonly type: "commit-failed"; readonly reason: string }
  | { readonly type: "timeout" }
  | { readonly type: "shutdown" }
  | { readonly type: "eof" };

/** Something to do; the output of `step`, carried out in order. */
export type SessionAction =
  | { readonly type: "reply"; readonly reply: Pop3Reply }
  | {
    readonly type: "log";
    readonly level: "info" | "warning";
    readonly text: string;
  }
  /** Write the replies so far, then pause (after a failed login). */
  | { readonly type: "delay"; readonly seconds: number }
  /** Check the login, open its maildrop; answer with `login-result`. */
  | {
    readonly type: "login";
    readonly login: string;
    readonly password: string;
  }
  /** Take the maildrop's snapshot; answer `scanned` or `scan-failed`. */
  | { readonly type: "scan" }
  /** Write the replies so far, drop unread input, start TLS; answer `tls-started` or `tls-failed`. */
  | { readonly type: "start-tls" }
  /**
   * Open message `index`; once open, send `reply` and the message (all
   * of it, or the header and `bodyLines` body lines); answer
   * `transmitted` or `transmit-failed`.
   */
  | {
    readonly type: "transmit";
    readonly index: number;
    readonly bodyLines: number | null;
    readonly reply: Pop3Reply;
  }
  /** Remove the marked messages, unlock; answer `committed` or `commit-failed`. */
  | { readonly type: "commit"; readonly deleted: ReadonlySet<number> }
  /** Unlock the maildrop without changes. */
  | { readonly type: "release" }
  /** Close the connection (after writing the replies so far). */
  | { readonly type: "close" };

/** The result of one `step`. */
export interface Transition {
  readonly session: Pop3Session;
  readonly actions: readonly SessionAction[];
}
