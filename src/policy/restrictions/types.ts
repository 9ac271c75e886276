/**
 * The shapes of restriction evaluation: what is asked, with which
 * lookups, and what comes back.
 *
 * DESCRIPTION
 *   Types only, shared by the list parser (`restriction_list.ts`), the
 *   evaluator (`evaluate.ts`) and their callers: smtpd's session builds a
 *   `RestrictionRequest` (pure), its adapter supplies the
 *   `RestrictionLookups` (maps, DNS, policy service, greylist store) and
 *   hands the `RestrictionVerdict` back to the session as an event.
 */

/** When smtpd asks: the SMTP command (or stage) being answered. */
export type RestrictionStage =
  | "connect"
  | "helo"
  | "mail"
  | "rcpt"
  | "data"
  | "end-of-data";

/** The restriction lists, by their Postfix parameter names. */
export type RestrictionListName =
  | "smtpd_client_restrictions"
  | "smtpd_helo_restrictions"
  | "smtpd_sender_restrictions"
  | "smtpd_relay_restrictions"
  | "smtpd_recipient_restrictions"
  | "smtpd_data_restrictions"
  | "smtpd_end_of_data_restrictions";

/** What is known about the session when a restriction is evaluated. */
export interface RestrictionRequest {
  readonly stage: RestrictionStage;
  /** Client address as logged (IPv4-mapped IPv6 unwrapped). */
  readonly clientAddress: string;
  /** Verified (forward-confirmed) client name, or `unknown`. */
  readonly clientName: string;
  /** Reverse (PTR) name, not confirmed, or `unknown`. */
  readonly reverseClientName: string;
  /** A DNS failure kept the name(s) unknown (defer, not reject). */
  readonly clientNameTempfail: boolean;
  /** HELO/EHLO argument, or null. */
  readonly helo: string | null;
  /** MAIL FROM address ("" null sender), or null before MAIL. */
  readonly sender: string | null;
  /** RCPT TO address (stage `rcpt`), else null. */
  readonly recipient: string | null;
  /** SASL login name, or null. */
  readonly authenticatedUser: string | null;
  /** `ESMTP` or `SMTP`. */
  readonly protocol: string;
  /** The client sent this command before the previous reply (pipelining). */
  readonly pipelined: boolean;
  /** The client said EHLO (pipelining is allowed then). */
  readonly ehlo: boolean;
  /** Recipients accepted so far in the transaction. */
  readonly recipientCount: number;
  /** Queue ID, or null before DATA. */
  readonly queueId: string | null;
  /** The message size: SIZE= at MAIL, real size at end of data, else 0. */
  readonly size: number;
  /** The client's address logged in to POP3 within the window. */
  readonly popBeforeSmtp: boolean;
}

/** The answer of a DNS lookup, as the shared resolver sorts them. */
export type DnsAnswer =
  | { readonly status: "found"; readonly values: readonly string[] }
  | { readonly status: "nodata" | "nxdomain" }
  | { readonly status: "tempfail" };

/** The asynchronous lookups restrictions need; injected by the caller. */
export interface RestrictionLookups {
  /**
   * Looks `key` up in the table `spec` (`hash:/etc/mailsrv/access`).
   * @throws when the table cannot be consulted (the request is deferred)
   */
  table(spec: string, key: string): Promise<string | undefined>;
  /** A, AAAA, MX or TXT records of `name` (A and AAAA as address text). */
  dns(name: string, type: "A" | "AAAA" | "MX" | "TXT"): Promise<DnsAnswer>;
  /** The client is in `mynetworks` (networks and tables). */
  inMynetworks(): Promise<boolean>;
  /**
   * The recipient's domain is one this system accepts mail for (local,
   * virtual or relay domain): `reject_unauth_destination` passes.
   */
  authorizedDestination(recipient: string): Promise<boolean>;
  /**
   * The recipient exists (local or virtual), or is not in a domain this
   * system delivers: null; else the refusal (`reject_unlisted_recipient`).
   */
  unlistedRecipient(recipient: string): Promise<RestrictionReply | null>;
  /**
   * The SASL user names smtpd_sender_login_maps lists as owners of
   * `sender` (full address, then `@domain`), or null when none is listed.
   */
  senderOwners(sender: string): Promise<readonly string[] | null>;
  /** Asks a policy service; resolves to its `action=` text. */
  policyService(endpoint: string, request: RestrictionRequest): Promise<string>;
  /** The built-in greylist: "pass", or "defer" for a new triplet. */
  greylist(request: RestrictionRequest): Promise<"pass" | "defer">;
  /** SPF of the client and sender (reject_spf_fail); null: not checked. */
  spf(request: RestrictionRequest): Promise<SpfVerdict | null>;
  /** DMARC of the message (check_dmarc, end of data); null: not checked. */
  dmarc(): Promise<DmarcVerdict | null>;
}

/** What to do when a DNS failure left a check undecided. */
export type TemperrorAction = "defer" | "permit";

/** SPF's result for the restrictions (src/mail_auth makes it). */
export interface SpfVerdict {
  /** pass, fail, softfail, neutral, none, permerror or temperror. */
  readonly result: string;
  /** `mailfrom` or `helo` (null sender). */
  readonly scope: "mailfrom" | "helo";
  /** The identity checked (`postmaster@helo` for the null sender). */
  readonly identity: string;
  readonly temperror: TemperrorAction;
}

/** DMARC's result for the restrictions. */
export interface DmarcVerdict {
  /** pass, fail, none, temperror or permerror. */
  readonly result: string;
  /** The author domain. */
  readonly domain: string;
  /** The policy that applies: none, quarantine or reject. */
  readonly policy: string;
  /** The access(5) action for p=quarantine (`HOLD`, `PREPEND …`). */
  readonly quarantineAction: string;
  readonly temperror: TemperrorAction;
}

/** An SMTP reply made by a restriction. */
export interface RestrictionReply {
  readonly code: number;
  readonly dsn: string;
  readonly text: string;
}

/** A per-message disposition an access map or policy service asked for. */
export type MessageDisposition =
  | { readonly action: "hold"; readonly reason: string }
  | { readonly action: "discard"; readonly reason: string }
  | { readonly action: "prepend"; readonly header: string }
  | { readonly action: "filter"; readonly transport: string }
  | { readonly action: "redirect"; readonly address: string };

/** A line to log without refusing anything (`warn_if_reject`, `WARN`). */
export interface RestrictionWarning {
  /** `reject_warning` (warn_if_reject) or `warn` (WARN action). */
  readonly kind: "reject_warning" | "warn";
  /** The reply that would have been given, or the WARN text. */
  readonly text: string;
}

/** The outcome of evaluating the lists of one stage. */
export interface RestrictionVerdict {
  /** The refusal, or null when the request is permitted. */
  readonly refusal: RestrictionReply | null;
  /** Lines to log meanwhile, in order. */
  readonly warnings: readonly RestrictionWarning[];
  /** Dispositions for the message (HOLD, DISCARD, PREPEND, …). */
  readonly dispositions: readonly MessageDisposition[];
}
