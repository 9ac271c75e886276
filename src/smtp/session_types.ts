/**
 * The shapes of the smtpd session: its state, the events it takes and the
 * actions it asks for.
 *
 * DESCRIPTION
 *   Types only, so the session (`session.ts`), its command table
 *   (`commands.ts`) and the transition helpers (`transitions.ts`) can all
 *   name them without importing each other. `session.ts` re-exports them
 *   for the adapter and tests; the phases and events are described there.
 */
import type { Config } from "../config/types.ts";
import type { DsnRet, NewEnvelope, RecipientDsn } from "../queue/enqueue.ts";
import type { Reply } from "./replies.ts";
import type {
  MessageDisposition,
  RestrictionRequest,
  RestrictionVerdict,
} from "../policy/restrictions/mod.ts";

/** The configuration the session reads (a `Config` will do). */
export type SessionPolicy = Pick<
  Config,
  | "myhostname"
  | "smtpd_banner"
  | "mydestination"
  | "myorigin"
  | "mynetworks"
  | "smtpd_relay_restrictions"
  | "smtpd_client_restrictions"
  | "smtpd_helo_restrictions"
  | "smtpd_sender_restrictions"
  | "smtpd_data_restrictions"
  | "smtpd_end_of_data_restrictions"
  | "smtpd_client_message_rate_limit"
  | "smtpd_delay_reject"
  | "smtpd_hard_error_limit"
  | "smtpd_junk_command_limit"
  | "smtpd_soft_error_limit"
  | "smtpd_error_sleep_time"
  | "message_size_limit"
  | "queue_minfree"
  | "smtpd_recipient_limit"
  | "default_process_limit"
  | "smtpd_forbid_bare_newline"
  | "virtual_mailbox_domains"
  | "relay_domains"
  | "disable_vrfy_command"
  | "smtpd_tls_security_level"
  | "smtpd_sasl_auth_enable"
  | "smtpd_tls_auth_only"
  | "smtpd_sasl_failed_auth_delay"
  | "smtpd_sasl_max_failed_auths"
  | "content_filter"
  | "smtpd_authorized_xforward_hosts"
  | "receive_override_options"
  | "srs_domain"
>;

/**
 * What a content filter forwarded with XFORWARD (`xforward.ts`): the
 * attributes given, lower-case names, values decoded and checked.
 */
export interface XforwardAttributes {
  readonly name?: string;
  readonly addr?: string;
  readonly port?: string;
  readonly proto?: string;
  readonly helo?: string;
  readonly ident?: string;
  readonly source?: string;
}

/** The TLS session of a connection, as Received: and the log name it. */
export interface TlsInfo {
  /** E.g. `TLSv1.3`. */
  readonly protocol: string;
  /** E.g. `TLS_AES_256_GCM_SHA384`. */
  readonly cipher: string;
  /** Secret bits of the cipher, when known (256 for AES-256). */
  readonly bits?: number;
}

/** SASL mechanisms smtpd offers. */
export type SaslMechanism = "PLAIN" | "LOGIN";

/** An AUTH exchange waiting for the client's next response line. */
export interface SaslExchange {
  readonly mechanism: SaslMechanism;
  /** LOGIN: the user name once given (then the password is asked for). */
  readonly username: string | null;
}

/** The SMTP client: its verified host name and IP. */
export interface ClientIdentity {
  /** Forward-confirmed host name, `localhost`, or `unknown`. */
  readonly name: string;
  /** IP address, IPv4-mapped IPv6 unwrapped. */
  readonly address: string;
  /** The PTR name even if not confirmed (default: `name`). */
  readonly reverseName?: string;
  /** A DNS failure left the name unknown. */
  readonly nameTempfail?: boolean;
}

/** A mail transaction, from MAIL FROM to the end of DATA. */
export interface Transaction {
  /** Envelope sender; "" is the null sender. */
  readonly sender: string;
  /** MAIL FROM BODY= (RFC 6152), or null. */
  readonly bodyType: "7BIT" | "8BITMIME" | null;
  /** Accepted recipients, without duplicates. */
  readonly recipients: readonly string[];
  /** MAIL FROM RET= and ENVID= (DSN), when given. */
  readonly ret?: DsnRet;
  readonly envid?: string;
  /** RCPT TO NOTIFY= and ORCPT= (DSN) of the recipients that gave them. */
  readonly recipientDsn?: ReadonlyMap<string, RecipientDsn>;
  /** Queue ID once the queue file is open (DATA), else null. */
  readonly queueId: string | null;
  /** What access maps or policy services asked for the message (HOLD, …). */
  readonly dispositions?: readonly MessageDisposition[];
}

/** Where the session is (see the module comment). */
export type Phase =
  | "connecting"
  | "command"
  | "verifying"
  | "checking"
  | "starting-tls"
  | "sasl-response"
  | "authenticating"
  | "opening"
  | "data"
  | "committing"
  | "closed";

/** Success and total count of one command, for the disconnect line. */
export interface CommandCount {
  /** Commands answered with 2xx or 3xx. */
  readonly ok: number;
  /** Commands received. */
  readonly total: number;
}

/** The state of one SMTP session. Never mutated: `step` returns a new one. */
export interface SmtpSession {
  /** Where the session is (see the module comment). */
  readonly phase: Phase;
  /** Who is connected. */
  readonly client: ClientIdentity;
  /** The client is in `mynetworks` (`permit_mynetworks`). */
  readonly clientInMynetworks: boolean;
  /** The client logged in to POP3 lately (`permit_pop_before_smtp`). */
  readonly clientPopBeforeSmtp: boolean;
  /** HELO/EHLO argument, or null before the client said hello. */
  readonly helo: string | null;
  /** `ESMTP` after EHLO, `SMTP` after HELO (Received:, logs). */
  readonly protocol: "SMTP" | "ESMTP";
  /** The mail transaction under way, or null. */
  readonly transaction: Transaction | null;
  /** The recipient being verified (phase `verifying`). */
  readonly pendingRecipient: string | null;
  /** Its DSN parameters (RCPT TO NOTIFY=, ORCPT=), if it had any. */
  readonly pendingRecipientDsn?: RecipientDsn;
  /** For a VRFY being verified: its argument, echoed in the 252 reply. */
  readonly pendingVrfy: string | null;
  /** Last command (or stage) seen, for `lost connection after X`. */
  readonly lastCommand: string;
  /** Per-command counts (`mail`, `rcpt`, …, `unknown`). */
  readonly counts: Readonly<Record<string, CommandCount>>;
  /** Error replies (4xx, 5xx) sent so far. */
  readonly errors: number;
  /** The TLS session, or null in plaintext (read by the restrictions). */
  readonly tls: { protocol: string; cipher: string; bits?: number } | null;
  /** A certificate is loaded for this session: STARTTLS can be offered. */
  readonly tlsAvailable: boolean;
  /** The SASL user name after AUTH, or null (`permit_sasl_authenticated`). */
  readonly authenticatedUser: string | null;
  /** The mechanism `authenticatedUser` logged in with, or null. */
  readonly saslMethod: SaslMechanism | null;
  /** The AUTH exchange under way (phases sasl-response, authenticating). */
  readonly sasl: SaslExchange | null;
  /** Failed AUTH commands in this session. */
  readonly authFailures: number;
  /** The restriction check under way (phase `checking`), or null. */
  readonly pendingCheck: PendingCheck | null;
  /** The current command arrived before the previous reply was sent. */
  readonly pipelined: boolean;
  /**
   * The client restrictions refused the connection (`smtpd_delay_reject =
   * no`): every command but QUIT gets 503 5.7.0, as in Postfix.
   */
  readonly accessDenied?: boolean;
  /** Free bytes of the queue file system when the command came, if known. */
  readonly queueFreeSpace?: number;
  /** XFORWARD attributes for the next transaction (`xforward.ts`). */
  readonly xforward?: XforwardAttributes;
}

/** What the session does once the restrictions of a stage permit. */
export type PendingCheck =
  | {
    readonly stage: "rcpt";
    /** The recipient as given (replies, logs). */
    readonly given: string;
    /** The recipient after the address resolver (the envelope). */
    readonly address: string;
    /** Ask the recipient verifier next (a local or maybe-virtual domain). */
    readonly verify: boolean;
    /** The recipient's DSN parameters (NOTIFY, ORCPT), for the envelope. */
    readonly dsn?: RecipientDsn;
    /**
     * The address resolver's class without tables: `local`, `refused` (a
     * relay trick), or `remote` (which may still be a virtual domain).
     */
    readonly addressClass: "local" | "refused" | "remote";
  }
  | {
    readonly stage: "helo";
    /** The HELO/EHLO argument being checked, and which it was. */
    readonly argument: string;
    readonly protocol: "SMTP" | "ESMTP";
    /** The HELO name before this command, kept when it is refused. */
    readonly previousHelo: string | null;
  }
  | { readonly stage: "connect" }
  | { readonly stage: "mail" }
  | { readonly stage: "data" }
  | { readonly stage: "end-of-data" };

/**
 * A recipient verifier's answer (see `SmtpDeps.verifyRecipient`):
 * accepted, refused, or `remote` — not a domain this system delivers, so
 * the relay restrictions decide.
 */
export type RecipientVerdict =
  | {
    readonly ok: true;
    /**
     * The address to deliver to instead (a verified SRS address's
     * original sender); the given one is kept as its ORCPT.
     */
    readonly address?: string;
  }
  | { readonly ok: "remote" }
  | {
    readonly ok: false;
    readonly code: number;
    readonly dsn: string;
    readonly text: string;
  };

/** Why the queue could not take the message. */
export type QueueFailure = "write-error" | "no-space";

/** What the adapter learnt while reading the message content. */
export interface DataSummary {
  /** Content bytes as stored (LF line ends). */
  readonly size: number;
  /** The content exceeded `message_size_limit`. */
  readonly overLimit: boolean;
  /** A bare CR or LF was seen. */
  readonly bareNewline: boolean;
  /** A line exceeded 998 octets before its CRLF. */
  readonly longLine: boolean;
  /** Message-ID: header value, if the header section had one. */
  readonly messageId: string | null;
  /** Writing the content into the queue file failed. */
  readonly failure: QueueFailure | null;
  /** What header_checks and body_checks decided, when any ran. */
  readonly content?: {
    /** REJECT: the reply; nothing is queued. */
    readonly refusal: {
      readonly code: number;
      readonly dsn: string;
      readonly text: string;
    } | null;
    readonly hold: boolean;
    readonly discard: boolean;
  };
}

/** Something that happened; the input of `step`. */
export type SessionEvent =
  | {
    readonly type: "connect";
    readonly client: ClientIdentity;
    /** Sessions already running on this service, this one not counted. */
    readonly activeSessions: number;
    /** The client's address logged in to POP3 within the window. */
    readonly popBeforeSmtp?: boolean;
    /** A certificate is loaded: STARTTLS may be offered. */
    readonly tlsAvailable?: boolean;
    /** The TLS session already running (smtps, wrapper mode). */
    readonly tls?: TlsInfo | null;
    /** The client is over a connection limit: refuse with this reply. */
    readonly limitRefusal?: {
      readonly code: number;
      readonly dsn: string;
      readonly text: string;
    };
  }
  | {
    readonly type: "command";
    readonly line: string;
    /** More input followed the line before its reply was sent. */
    readonly pipelined?: boolean;
    /** Free bytes of the queue file system (queue_minfree), if known. */
    readonly queueFreeSpace?: number;
  }
  | { readonly type: "command-too-long" }
  | { readonly type: "recipient-verdict"; readonly verdict: RecipientVerdict }
  | {
    readonly type: "restriction-verdict";
    readonly verdict: RestrictionVerdict;
  }
  | { readonly type: "data-begun"; readonly queueId: string }
  | { readonly type: "data-open-failed"; readonly failure: QueueFailure }
  | { readonly type: "data-end"; readonly summary: DataSummary }
  | { readonly type: "queued" }
  | { readonly type: "queue-failed"; readonly failure: QueueFailure }
  /** The answer to `flush-site`: whether the queue manager took it. */
  | {
    readonly type: "flush-site-result";
    readonly site: string;
    readonly queued: boolean;
  }
  /** The STARTTLS handshake succeeded. */
  | { readonly type: "tls-started"; readonly tls: TlsInfo }
  /** The STARTTLS handshake failed; the connection is unusable. */
  | { readonly type: "tls-failed"; readonly reason: string }
  /** The password check's answer: the SASL user name, or why not. */
  | {
    readonly type: "auth-result";
    readonly outcome:
      | { readonly ok: true; readonly username: string }
      | {
        readonly ok: false;
        readonly temporary: boolean;
        /** The client is over smtpd_client_auth_rate_limit: this reply. */
        readonly refusal?: {
          readonly code: number;
          readonly dsn: string;
          readonly text: string;
        };
      };
  }
  | { readonly type: "timeout" }
  | { readonly type: "shutdown" }
  | { readonly type: "eof" };

/** Something to do; the output of `step`, carried out in order. */
export type SessionAction =
  | { readonly type: "reply"; readonly reply: Reply }
  | {
    readonly type: "log";
    readonly program: "smtpd" | "cleanup";
    readonly level: "info" | "warning";
    readonly text: string;
  }
  /** Evaluate the restrictions of a stage; answer with `restriction-verdict`. */
  | {
    readonly type: "check-restrictions";
    readonly request: RestrictionRequest;
  }
  /** Wait before the next reply (smtpd_error_sleep_time). */
  | { readonly type: "pause"; readonly seconds: number }
  /** Ask the recipient verifier; answer with `recipient-verdict`. */
  | { readonly type: "verify-recipient"; readonly address: string }
  /** Open a queue file; answer with `data-begun` or `data-open-failed`. */
  | { readonly type: "open-data"; readonly envelope: NewEnvelope }
  /** Read the content with a DotReader; answer with `data-end`. */
  | { readonly type: "receive-data" }
  /** Make the message durable; answer with `queued` or `queue-failed`. */
  | { readonly type: "commit"; readonly hold?: boolean }
  /**
   * Send the replies so far, discard unread input, run the TLS handshake;
   * answer with `tls-started` or `tls-failed`.
   */
  | { readonly type: "start-tls" }
  /** Check a SASL user name and password; answer with `auth-result`. */
  | {
    readonly type: "authenticate";
    readonly username: string;
    readonly password: string;
  }
  /** Send the replies so far, then pause (after a failed AUTH). */
  | { readonly type: "auth-delay"; readonly seconds: number }
  /** Discard the open queue file. */
  | { readonly type: "abort" }
  /** ETRN: flush `site`'s deferred mail; answer with `flush-site-result`. */
  | { readonly type: "flush-site"; readonly site: string }
  /** Close the connection (after writing the replies so far). */
  | { readonly type: "close" };

/** The result of one `step`. */
export interface Transition {
  /** The session after the event. */
  readonly session: SmtpSession;
  /** What the adapter must do, in order. */
  readonly actions: readonly SessionAction[];
}
