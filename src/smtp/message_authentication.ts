/**
 * smtpd's SPF, DKIM and DMARC for one transaction, and where the result
 * goes.
 *
 * DESCRIPTION
 *   A `MessageAuthentication` lives as long as a session and follows its
 *   transactions. It decides what to verify, runs the verifiers of
 *   src/mail_auth, answers the restrictions (`reject_spf_fail`,
 *   `check_dmarc`) and makes the Authentication-Results header:
 *
 *     before DATA  SPF, from the client address, HELO and MAIL FROM, once
 *                  per transaction (reject_spf_fail asks at RCPT)
 *     during DATA  the content goes through the forged-header filter into
 *                  the queue file, and unchanged into the DKIM verifier
 *     end of data  DKIM, ARC and DMARC are evaluated before the
 *                  end-of-data restrictions (check_dmarc) run; the header
 *                  is handed to the commit as the queue file's trailer
 *
 *   Why a trailer: the content is streamed into the queue file as it
 *   arrives (never held whole), and DKIM and DMARC are known only after
 *   the last byte, when the top of the file is written. Rewriting the
 *   file would copy every message; the queue file's version 4 `trailer`
 *   keeps the header lines after the content, and every reader of the
 *   queue (delivery agents, relay, bounces) puts them in front of it, as
 *   Postfix's cleanup links a milter's header in with a pointer record.
 *
 *   Trusted clients (mynetworks, SASL-authenticated) send our own mail:
 *   it is never refused for SPF or DMARC, and it is verified and
 *   stamped only with `smtpd_authentication_results_trusted_clients`,
 *   so that an after-queue content filter re-injecting mail keeps the
 *   header stamped at first receipt. Forged headers are removed only
 *   from mail that is stamped.
 *
 *   Used by smtpd's adapter (`connection.ts`). Network I/O through the
 *   resolver only.
 */
import type { Config } from "../config/types.ts";
import type { Resolver } from "../dns/resolver.ts";
import {
  authenticationResultsHeader,
  checkSpf,
  type ContentOutcome,
  ForgedResultsFilter,
  type MailauthResolver,
  mailauthResolver,
  type MessageVerifier,
  type SpfOutcome,
  startMessageVerification,
} from "../mail_auth/mod.ts";
import type { DmarcVerdict, SpfVerdict } from "../policy/restrictions/mod.ts";
import { restrictionSettings } from "./restriction_lookups.ts";

/** The session facts that decide and feed verification. */
export interface AuthenticationSubject {
  readonly clientAddress: string;
  readonly helo: string | null;
  /** MAIL FROM ("" null sender). */
  readonly sender: string;
  /** mynetworks or SASL-authenticated. */
  readonly trusted: boolean;
}

const encoder = new TextEncoder();

/** SPF, DKIM and DMARC of a session's messages. */
export class MessageAuthentication {
  readonly #config: Config;
  readonly #resolver: MailauthResolver;
  #spfKey = "";
  #spf: Promise<SpfOutcome> | null = null;
  #subject: AuthenticationSubject | null = null;
  #verifier: MessageVerifier | null = null;
  #filter: ForgedResultsFilter | null = null;
  #content: ContentOutcome | null = null;
  #spfOutcome: SpfOutcome | null = null;

  constructor(config: Config, resolver: Resolver | undefined) {
    this.#config = config;
    this.#resolver = resolver
      ? mailauthResolver(resolver)
      : () =>
        Promise.reject(Object.assign(new Error("no DNS resolver"), {
          code: "ESERVFAIL",
        }));
  }

  /** Whether received mail from this client is stamped. */
  #stamps(subject: AuthenticationSubject): boolean {
    return this.#config.smtpd_authentication_results &&
      (!subject.trusted ||
        this.#config.smtpd_authentication_results_trusted_clients);
  }

  /** Whether check_dmarc is listed (it needs the content verified). */
  #checksDmarc(): boolean {
    return restrictionSettings(this.#config).lists
      .smtpd_end_of_data_restrictions.some((r) => r.name === "check_dmarc");
  }

  /**
   * Whether the queue file must reserve a trailer: for the header, or for
   * a PREPEND that check_dmarc's quarantine action may add at the end of
   * data.
   */
  wantsTrailer(subject: AuthenticationSubject): boolean {
    return this.#stamps(subject) || (!subject.trusted && this.#checksDmarc());
  }

  /** SPF of this client and sender (computed once per transaction). */
  spf(subject: AuthenticationSubject): Promise<SpfOutcome> {
    const key = `${subject.clientAddress}\n${subject.helo}\n${subject.sender}`;
    if (this.#spf === null || key !== this.#spfKey) {
      this.#spfKey = key;
      this.#spf = checkSpf({
        clientAddress: subject.clientAddress,
        helo: subject.helo,
        sender: subject.sender,
        myhostname: this.#config.myhostname,
        resolver: this.#resolver,
      });
    }
    return this.#spf;
  }

  /** reject_spf_fail's answer. */
  async spfVerdict(subject: AuthenticationSubject): Promise<SpfVerdict> {
    const spf = await this.spf(subject);
    return {
      result: spf.result,
      scope: spf.scope,
      identity: spf.identity,
      temperror: this.#config.smtpd_authentication_temperror_action,
    };
  }

  /** check_dmarc's answer (end of data), or null when nothing was verified. */
  dmarcVerdict(): DmarcVerdict | null {
    const dmarc = this.#content?.dmarc;
    if (!dmarc) return null;
    return {
      result: dmarc.result,
      domain: dmarc.domain,
      policy: dmarc.policy,
      quarantineAction: this.#config.smtpd_dmarc_quarantine_action,
      temperror: this.#config.smtpd_authentication_temperror_action,
    };
  }

  /** At DATA: starts verifying the content if it is stamped or checked. */
  begin(subject: AuthenticationSubject): void {
    this.cancel();
    const stamps = this.#stamps(subject);
    const checks = !subject.trusted && this.#checksDmarc();
    if (!stamps && !checks) return;
    this.#subject = subject;
    if (stamps) {
      this.#filter = new ForgedResultsFilter(this.#config.myhostname);
    }
    this.#verifier = startMessageVerification({
      resolver: this.#resolver,
      sender: subject.sender,
    });
  }

  /** Whether this message is verified or filtered (else content passes as is). */
  get active(): boolean {
    return this.#verifier !== null || this.#filter !== null;
  }

  /** The bytes to store for `chunk`; also feeds the verifier. */
  async content(chunk: Uint8Array): Promise<Uint8Array[]> {
    if (this.#verifier !== null) await this.#verifier.push(chunk);
    return this.#filter === null ? [chunk] : this.#filter.push(chunk);
  }

  /** At the end of data: what the filter still holds, and the verdicts. */
  async finish(): Promise<Uint8Array[]> {
    const held = this.#filter?.finish() ?? [];
    const verifier = this.#verifier;
    const subject = this.#subject;
    if (verifier !== null && subject !== null) {
      this.#verifier = null;
      this.#spfOutcome = await this.spf(subject);
      this.#content = await verifier.finish(this.#spfOutcome);
    }
    return held;
  }

  /** Forged fields removed from the message just received. */
  get removed(): number {
    return this.#filter?.removed ?? 0;
  }

  /** The Authentication-Results header to store, or undefined. */
  header(): string | undefined {
    if (this.#filter === null || this.#content === null) return undefined;
    if (this.#spfOutcome === null) return undefined;
    // RFC 8601 lists no order; dkim, spf, then dmarc reads as DMARC works.
    const entries = this.#content.entries;
    return authenticationResultsHeader(this.#config.myhostname, [
      ...entries.filter((e) => !e.startsWith("dmarc=")),
      this.#spfOutcome.entry,
      ...entries.filter((e) => e.startsWith("dmarc=")),
    ]);
  }

  /** The trailer bytes for the commit (header lines), or undefined. */
  trailer(extra: readonly string[] = []): Uint8Array | undefined {
    const header = this.header();
    const lines = [...extra.map((h) => `${h}\n`), header ?? ""].join("");
    return lines === "" ? undefined : encoder.encode(lines);
  }

  /** Ends the transaction's verification (message done or refused). */
  cancel(): void {
    this.#verifier?.cancel();
    this.#verifier = null;
    this.#filter = null;
    this.#content = null;
    this.#spfOutcome = null;
    this.#subject = null;
  }
}
