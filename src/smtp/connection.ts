/**
 * smtpd's connection adapter: runs one SMTP session over a byte stream.
 *
 * DESCRIPTION
 *   `serveSmtpConnection` is the thin, asynchronous shell around the pure
 *   session (`session.ts`). It reads into one reused buffer, splits
 *   commands with `CommandLineReader`, feeds them to `step`, and carries
 *   out the actions: it asks the recipient verifier, opens the queue file
 *   through the queue's single gate (`Enqueue`), writes the
 *   Received: header and then streams the content that `DotReader`
 *   produces straight into the queue file, awaiting each write
 *   (backpressure), and commits it before the 250. A message is never held
 *   in memory whole; content past `message_size_limit` is read and
 *   dropped.
 *
 *   Replies are collected and written in one write when no complete
 *   command is left in the input (RFC 2920 section 3.1: the server may
 *   batch replies, and must send them before it waits for more input).
 *   `smtpd_timeout` bounds each whole command line with the replies
 *   before it, and each line of message content, not each read: a client
 *   sending a byte a second is cut off all the same. While the listener
 *   is under stress the session uses the stress-adaptive settings
 *   (`stress.ts`), also for a wait already under way. When its service
 *   drains, a session that is not inside a mail transaction is told
 *   421 4.3.2 and closed at its next read.
 *
 *   At connect it looks up the client's name (PTR, forward-confirmed,
 *   bounded by `smtpd_client_name_timeout`) when it has a resolver, and
 *   asks the pop-before-smtp store (`SmtpDeps.popBeforeSmtp`) once when a
 *   restriction list can use the answer, and hands both to the session
 *   with the `connect` event. It evaluates restriction lists for the
 *   session's `check-restrictions` actions (`restriction_lookups.ts`)
 *   and waits out its `pause` actions (smtpd_error_sleep_time).
 *
 *   The adapter catches everything: a failing queue, verifier or socket
 *   ends or refuses one message or one session, never the daemon.
 *
 *   Used by the smtpd listener (`server.ts`), and usable for inetd or
 *   `sendmail -bs` style use with any `SmtpStream`. Needs the permissions
 *   of whatever `enqueue` and `verifyRecipient` do; itself, none.
 *
 *   TLS: with `implicit` (smtps) the handshake comes before the greeting;
 *   for STARTTLS the adapter sends the 220, drops whatever the client
 *   pipelined after the command (RFC 3207 section 5, CVE-2011-0411) and
 *   runs the handshake over the same connection (`net/server_tls.ts`).
 *   AUTH passwords are checked by `SmtpDeps.authenticate`; a failed AUTH
 *   pauses longer for each recent failure from the same client
 *   (`auth/failed_logins.ts`, shared with pop3d).
 *
 *   Does NOT listen or accept (see `server.ts`) (`server.ts`).
 */
import { createBufferPool } from "../common/buffer_pool.ts";
import {
  type IoDeadline,
  openIoDeadline,
  writeAllWithin,
} from "../common/io_deadline.ts";
import type { ByteStream } from "../net/byte_stream.ts";
import type { DrainControl } from "../net/session_listener.ts";
import type { Config } from "../config/types.ts";
import type { Enqueue, NewEnvelope, QueueWriter } from "../queue/enqueue.ts";
import { maillog } from "../log/maillog.ts";
import { clientName, lookupClientName } from "../net/client_name.ts";
import type { MapCache } from "../maps/map_cache.ts";
import { createMapCache } from "../maps/map_cache.ts";
import type { Resolver } from "../dns/resolver.ts";
import type {
  RestrictionRequest,
  RestrictionVerdict,
} from "../policy/restrictions/mod.ts";
import type { ClientLimits } from "../policy/client_rates.ts";
import { evaluateRestrictions } from "../policy/restrictions/mod.ts";
import {
  createRestrictionLookups,
  restrictionSettings,
} from "./restriction_lookups.ts";
import { DotReader } from "./dot_reader.ts";
import { CommandLineReader, nextCommandEvent } from "../net/line_reader.ts";
import { MessageIdScanner } from "./message_id.ts";
import {
  checkedEnvelope,
  type ContentVerdict,
  type MessageChecks,
  startMessageChecks,
} from "./content_checks/message_checks.ts";
import {
  type AuthenticationSubject,
  MessageAuthentication,
} from "./message_authentication.ts";
import { receivedHeader } from "./received.ts";
import { formatReply, printable } from "./replies.ts";
import { describeTls } from "./starttls.ts";
import { failedLogins } from "../auth/failed_logins.ts";
import { stressAdapted } from "./stress.ts";
import { SharedStateUnavailable } from "../policy/shared_state.ts";
import {
  type ServerTlsStream,
  startServerTls,
  type TlsContext,
  type TlsSessionInfo,
} from "../net/server_tls.ts";
import {
  inTransaction,
  newSession,
  type QueueFailure,
  type RecipientVerdict,
  type SessionAction,
  type SessionEvent,
  type SmtpSession,
  step,
} from "./session.ts";

/** What smtpd needs from the rest of mailsrv. */
export interface SmtpDeps {
  /** The current configuration (it can change on reload; read per session). */
  readonly config: () => Config;
  /** The queue's single gate. */
  readonly enqueue: Enqueue;
  /** Whether a recipient in a local domain (`mydestination`) exists. */
  readonly verifyRecipient: (address: string) => Promise<RecipientVerdict>;
  /** Clock for the Received: date (milliseconds since the epoch). */
  readonly now?: () => number;
  /**
   * Whether a client address logged in to POP3 within
   * `pop_before_smtp_window`; asked once per connection, and only when
   * `smtpd_relay_restrictions` lists `permit_pop_before_smtp`. Absent:
   * no client is known to have logged in.
   */
  readonly popBeforeSmtp?: (address: string) => Promise<boolean>;
  /** Tables for access maps and mynetworks (default: a cache of its own). */
  readonly tables?: MapCache;
  /** DNS for client names, RBLs and domain checks; absent: no DNS. */
  readonly resolver?: Resolver;
  /** Asks a check_policy_service server; resolves to its action. */
  readonly policyService?: (
    endpoint: string,
    request: RestrictionRequest,
  ) => Promise<string>;
  /** check_greylist's store: "pass" or "defer" for the request's triplet. */
  readonly greylist?: (request: RestrictionRequest) => Promise<
    "pass" | "defer"
  >;
  /** Per-client connection, message and AUTH limits (anvil). */
  readonly limits?: ClientLimits;
  /**
   * ETRN: starts a flush of the deferred mail for a site and says whether
   * the queue manager took it. Absent (a lone session): ETRN gets 458.
   */
  readonly flushSite?: (site: string) => boolean;
  /**
   * Checks a SASL user name and password for AUTH: the user name to log,
   * or undefined. Absent: every AUTH fails temporarily.
   */
  readonly authenticate?: (
    username: string,
    password: string,
    config: Config,
  ) => Promise<string | undefined>;
  /**
   * Free bytes of the queue file system (a cached statfs, fs/free_space.ts)
   * for queue_minfree at MAIL FROM; absent or undefined: not checked.
   */
  readonly queueFreeSpace?: () => number | undefined;
}

/** TLS for one session. */
export interface SmtpTls {
  /** Certificate and key; null: no STARTTLS. */
  readonly context: TlsContext | null;
  /** Handshake at once, before the greeting (smtps, wrapper mode). */
  readonly implicit: boolean;
}

/** Tables opened by sessions whose deps bring no cache. */
const sessionTables = createMapCache();

/** A byte stream smtpd talks over: a `Deno.Conn`, or a pair of pipes. */
export type SmtpStream = ByteStream;

/** How a listener steers the sessions it runs. */
export interface SessionControl extends DrainControl {
  /** Other sessions of the service running when this one connected. */
  readonly activeSessions: number;
}

const READ_BUFFER_SIZE = 32 * 1024;
/** Idle buffers of each kind kept for the next sessions. */
const BUFFER_POOL_LIMIT = 64;
const EMPTY = new Uint8Array(0);
const LF = 10;
const encoder = new TextEncoder();
const smtpdLog = maillog("smtpd");
const cleanupLog = maillog("cleanup");

/** What waiting for input produced: bytes read, or why there are none. */
type ReadOutcome = number | "eof" | "timeout" | "shutdown";

/** A session's read buffer and the DATA reader's scratch buffer. */
interface Buffers {
  readonly read: Uint8Array;
  readonly content: Uint8Array;
}

/**
 * Buffers of ended sessions, reused by new ones: with a connection per
 * message, allocating them anew would churn 64 KiB per message.
 */
const readBuffers = createBufferPool(READ_BUFFER_SIZE, BUFFER_POOL_LIMIT);
const contentBuffers = createBufferPool(
  READ_BUFFER_SIZE + 2,
  BUFFER_POOL_LIMIT,
);

function takeBuffers(): Buffers {
  return { read: readBuffers.take(), content: contentBuffers.take() };
}

/**
 * Runs one SMTP session on `conn` until it ends, then closes `conn`.
 * Never rejects.
 * @param clientAddress the client's IP address as logged (see `clientAddress`)
 * @param control set by a listener; absent for a lone session (inetd)
 */
export async function serveSmtpConnection(
  conn: SmtpStream,
  deps: SmtpDeps,
  clientAddress: string,
  control?: SessionControl,
  tls: SmtpTls = { context: null, implicit: false },
): Promise<void> {
  const steering = control ?? LONE_SESSION;
  const connection = new SmtpConnection(conn, deps, steering, tls);
  const unsubscribe = steering.onDrain(() => connection.interrupt());
  try {
    await connection.run(clientAddress);
  } catch (e) {
    smtpdLog.error(`session with ${clientAddress} failed: ${describe(e)}`);
    await connection.abortMessage();
  } finally {
    unsubscribe();
    // The TLS session, or the connection itself; a second close would
    // only build an error (BadResource) for every session.
    if (!connection.close(conn)) {
      try {
        conn.close();
      } catch {
        // Already closed by the listener's drain, the peer or TLS.
      }
    }
    connection.release();
  }
}

const LONE_SESSION: SessionControl = {
  activeSessions: 0,
  draining: () => false,
  onDrain: () => () => {},
};

/** One connection's I/O state around the pure session. */
class SmtpConnection {
  /** The client's bytes: the connection, or the TLS session over it. */
  #conn: SmtpStream;
  readonly #deps: SmtpDeps;
  readonly #tls: SmtpTls;
  readonly #control: SessionControl;
  readonly #config: Config;
  /** The configuration with the stress-adaptive values (stress.ts). */
  readonly #stressConfig: Config;
  readonly #buffers = takeBuffers();
  readonly #buffer = this.#buffers.read;
  readonly #lines = new CommandLineReader();
  #session: SmtpSession = newSession();
  #replies = "";
  #writer: QueueWriter | null = null;
  /** header_checks and body_checks of the open message, if any. */
  #checks: MessageChecks | null = null;
  /** The open message's envelope and its checks' verdict. */
  #envelope: NewEnvelope | null = null;
  #verdict: ContentVerdict | null = null;
  #receiving = false;
  #lost = false;
  /** A read may still write into the read buffer (it timed out or was interrupted). */
  #readPending = false;
  /** smtpd_timeout on each wait for the client. */
  readonly #deadline: IoDeadline;
  /** SPF, DKIM, DMARC and the Authentication-Results header. */
  readonly #authentication: MessageAuthentication;
  /** Dispositions known when the queue file was opened (PREPENDs written then). */
  #dispositionsAtData = 0;

  constructor(
    conn: SmtpStream,
    deps: SmtpDeps,
    control: SessionControl,
    tls: SmtpTls,
  ) {
    this.#conn = conn;
    this.#deps = deps;
    this.#tls = tls;
    this.#control = control;
    this.#config = deps.config();
    this.#stressConfig = stressAdapted(this.#config);
    this.#authentication = new MessageAuthentication(
      this.#config,
      deps.resolver,
    );
    this.#deadline = openIoDeadline(
      () => this.#policy().smtpd_timeout * 1000,
      this.#stressConfig.smtpd_timeout * 1000,
    );
  }

  /** The settings in force now: stress-adaptive while the listener is stressed. */
  #policy(): Config {
    return this.#control.stressed?.() ? this.#stressConfig : this.#config;
  }

  async run(address: string): Promise<void> {
    const client = this.#deps.resolver
      ? await lookupClientName(
        address,
        this.#deps.resolver,
        this.#config.smtpd_client_name_timeout * 1000,
      )
      : { name: clientName(address), address };
    const limit = await this.#connectLimit(client);
    let tls: TlsSessionInfo | null = null;
    if (this.#tls.implicit) {
      tls = await this.#wrap(`${client.name}[${address}]`);
      if (tls === null) {
        this.#releaseLimit();
        return;
      }
    }
    await this.#step({
      type: "connect",
      client,
      activeSessions: this.#control.activeSessions,
      popBeforeSmtp: await this.#popBeforeSmtp(address),
      ...(limit === null ? {} : { limitRefusal: limit }),
      tlsAvailable: this.#tls.context !== null,
      tls,
    });
    while (this.#session.phase !== "closed") {
      if (this.#receiving) {
        this.#receiving = false;
        await this.#receiveData();
        continue;
      }
      // A command read while replies are still unsent came before the
      // previous reply: pipelining (reject_unauth_pipelining).
      const unsent = this.#replies !== "";
      // One smtpd_timeout for the replies and the whole next line.
      const event = await nextCommandEvent(
        this.#lines,
        this.#buffer,
        () => this.#waitForInput(),
        this.#deadline,
      );
      await this.#step(
        event.type === "command"
          ? {
            ...event,
            pipelined: unsent,
            queueFreeSpace: this.#deps.queueFreeSpace?.(),
          }
          : event,
      );
    }
    await this.#flush();
    await this.abortMessage();
  }

  /**
   * Leaves the deadline clock and hands the buffers to the next session,
   * unless a read may still fill them.
   */
  release(): void {
    this.#releaseLimit();
    this.#deadline.close();
    // A read still pending may yet write into the read buffer.
    if (this.#readPending) return;
    readBuffers.give(this.#buffers.read);
    contentBuffers.give(this.#buffers.content);
  }

  /** Releases the client's connection slot (limits). */
  #releaseLimit: () => void = () => {};

  /**
   * Closes the TLS session, if one was started over the connection, else
   * the connection.
   * @returns whether what it closed was `raw`, the connection itself
   */
  close(raw?: SmtpStream): boolean {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    return this.#conn === raw;
  }

  /** Wakes an idle session blocked in a read, so it can say 421 and close. */
  interrupt(): void {
    this.#deadline.interrupt("shutdown");
  }

  /** Discards the open queue file, if any. */
  async abortMessage(): Promise<void> {
    this.#authentication.cancel();
    const writer = this.#writer;
    this.#checks = null;
    if (writer === null) return;
    this.#writer = null;
    try {
      await writer.abort();
    } catch (e) {
      smtpdLog.warning(
        `${writer.id}: cannot discard queue file: ${describe(e)}`,
      );
    }
  }

  async #step(event: SessionEvent): Promise<void> {
    const { session, actions } = step(this.#session, event, this.#policy());
    this.#session = session;
    for (const action of actions) await this.#perform(action);
  }

  async #perform(action: SessionAction): Promise<void> {
    switch (action.type) {
      case "reply":
        this.#replies += formatReply(action.reply);
        return;
      case "log":
        (action.program === "cleanup" ? cleanupLog : smtpdLog)[action.level](
          action.text,
        );
        return;
      case "check-restrictions":
        return await this.#step({
          type: "restriction-verdict",
          verdict: await this.#checkRestrictions(action.request),
        });
      case "pause":
        await this.#flush();
        await new Promise((resolve) =>
          setTimeout(resolve, action.seconds * 1000)
        );
        return;
      case "verify-recipient":
        return await this.#step({
          type: "recipient-verdict",
          verdict: await this.#verify(action.address),
        });
      case "open-data":
        return await this.#openData(action.envelope);
      case "receive-data":
        this.#receiving = true;
        return;
      case "commit":
        return await this.#commit(action.hold ?? false);
      case "abort":
        return await this.abortMessage();
      case "flush-site":
        return await this.#step({
          type: "flush-site-result",
          site: action.site,
          queued: this.#flushSite(action.site),
        });
      case "start-tls":
        return await this.#startTls();
      case "authenticate":
        return await this.#authenticate(action.username, action.password);
      case "auth-delay": {
        // Repeated failures from the same client, across sessions and
        // protocols, pause longer (auth/failed_logins.ts).
        const factor = failedLogins.failed(this.#session.client.address);
        await this.#deadline.wait(
          new Promise((r) => setTimeout(r, action.seconds * factor * 1000)),
          "timeout",
          false,
        );
        return;
      }
      case "close":
        return;
    }
  }

  /** Implicit TLS (smtps): the handshake before the greeting; null if it failed. */
  async #wrap(label: string): Promise<TlsSessionInfo | null> {
    const context = this.#tls.context;
    try {
      if (context === null) throw new Error("no TLS certificate");
      const stream = await startServerTls(
        this.#conn,
        context,
        this.#config.smtpd_timeout * 1000,
      );
      this.#conn = stream;
      return stream.tls;
    } catch (e) {
      smtpdLog.info(`connect from ${label}`);
      smtpdLog.info(`SSL_accept error from ${label}: ${describe(e)}`);
      smtpdLog.info(`lost connection after CONNECT from ${label}`);
      return null;
    }
  }

  /**
   * STARTTLS: the 220 goes out in clear, input the client sent after the
   * command is dropped unread (RFC 3207 section 5; CVE-2011-0411), then
   * the handshake.
   */
  async #startTls(): Promise<void> {
    await this.#flush();
    this.#lines.discard();
    const context = this.#tls.context;
    let stream: ServerTlsStream;
    try {
      if (context === null) throw new Error("no TLS certificate");
      if (this.#lost) throw new Error("connection lost");
      stream = await startServerTls(
        this.#conn,
        context,
        this.#config.smtpd_timeout * 1000,
      );
    } catch (e) {
      this.#lost = true;
      return await this.#step({ type: "tls-failed", reason: describe(e) });
    }
    this.#conn = stream;
    await this.#step({ type: "tls-started", tls: stream.tls });
  }

  async #authenticate(username: string, password: string): Promise<void> {
    // smtpd_client_auth_rate_limit (anvil): counted before the password.
    const client = this.#session.client;
    const limited = await this.#deps.limits?.auth(
      client.address,
      `${client.name}[${client.address}]`,
    ).catch(() => null);
    if (limited) {
      smtpdLog.warning(limited.warning);
      return await this.#step({
        type: "auth-result",
        outcome: { ok: false, temporary: true, refusal: limited },
      });
    }
    const check = this.#deps.authenticate;
    let user: string | undefined;
    try {
      if (!check) throw new Error("no password check configured");
      user = await check(username, password, this.#config);
    } catch (e) {
      smtpdLog.warning(
        `SASL authentication of "${printable(username)}" failed: ${
          describe(e)
        }`,
      );
      return await this.#step({
        type: "auth-result",
        outcome: { ok: false, temporary: true },
      });
    }
    if (user !== undefined) {
      failedLogins.succeeded(this.#session.client.address);
    }
    await this.#step({
      type: "auth-result",
      outcome: user === undefined
        ? { ok: false, temporary: false }
        : { ok: true, username: user },
    });
  }

  /** Counts the connection against the client limits; the refusal, if any. */
  async #connectLimit(
    client: { name: string; address: string },
  ): Promise<{ code: number; dsn: string; text: string } | null> {
    const limits = this.#deps.limits;
    if (!limits) return null;
    try {
      const connection = await limits.connect(
        client.address,
        `${client.name}[${client.address}]`,
      );
      this.#releaseLimit = connection.release;
      if (connection.refusal === null) return null;
      smtpdLog.warning(connection.refusal.warning);
      return connection.refusal;
    } catch (e) {
      // anvil's way: no answer, no limit; a store outage is logged once.
      if (!(e instanceof SharedStateUnavailable)) {
        smtpdLog.warning(`client limits unavailable: ${describe(e)}`);
      }
      return null;
    }
  }

  /** Evaluates the restriction lists of a stage; never throws. */
  async #checkRestrictions(
    request: RestrictionRequest,
  ): Promise<RestrictionVerdict> {
    if (request.stage === "mail" && this.#deps.limits) {
      const client = this.#session.client;
      const refusal = await this.#deps.limits.message(
        client.address,
        `${client.name}[${client.address}]`,
      ).catch(() => null);
      if (refusal !== null) {
        smtpdLog.warning(refusal.warning);
        return { refusal, warnings: [], dispositions: [] };
      }
    }
    const pending = this.#session.pendingCheck;
    const recipient = pending?.stage === "rcpt" ? pending : null;
    const lookups = createRestrictionLookups(this.#config, {
      tables: this.#deps.tables ?? sessionTables,
      resolver: this.#deps.resolver,
      verifyRecipient: (address) => this.#verify(address),
      policyService: this.#deps.policyService,
      greylist: this.#deps.greylist,
      spf: (r) =>
        this.#authentication.spfVerdict({
          ...this.#authenticationSubject(),
          helo: r.helo,
          sender: r.sender ?? "",
        }),
      dmarc: () => Promise.resolve(this.#authentication.dmarcVerdict()),
    }, {
      address: this.#session.client.address,
      inMynetworks: this.#session.clientInMynetworks,
    }, recipient);
    try {
      return await evaluateRestrictions(
        request,
        restrictionSettings(this.#config),
        lookups,
      );
    } catch (e) {
      smtpdLog.warning(`restriction check failed: ${describe(e)}`);
      return {
        refusal: {
          code: 451,
          dsn: "4.3.5",
          text: "Server configuration problem",
        },
        warnings: [],
        dispositions: [],
      };
    }
  }

  /** Asks the pop-before-smtp store once; a failing store permits nothing. */
  async #popBeforeSmtp(address: string): Promise<boolean> {
    const ask = this.#deps.popBeforeSmtp;
    if (!ask || !usesPopBeforeSmtp(this.#config)) return false;
    try {
      return await ask(address);
    } catch (e) {
      if (!(e instanceof SharedStateUnavailable)) {
        smtpdLog.warning(
          `pop-before-smtp lookup for ${address} failed: ${describe(e)}`,
        );
      }
      return false;
    }
  }

  /** Asks for a flush of `site`; a failing queue manager took nothing. */
  #flushSite(site: string): boolean {
    try {
      return this.#deps.flushSite?.(site) ?? false;
    } catch (e) {
      smtpdLog.warning(`ETRN ${site}: cannot start a flush: ${describe(e)}`);
      return false;
    }
  }

  async #verify(address: string): Promise<RecipientVerdict> {
    try {
      return await this.#deps.verifyRecipient(address);
    } catch (e) {
      smtpdLog.warning(
        `recipient lookup for <${address}> failed: ${describe(e)}`,
      );
      return {
        ok: false,
        code: 451,
        dsn: "4.3.0",
        text: "Temporary lookup failure",
      };
    }
  }

  /** What SPF, DKIM and DMARC work from in this transaction. */
  #authenticationSubject(): AuthenticationSubject {
    const session = this.#session;
    return {
      clientAddress: session.client.address,
      helo: session.helo,
      sender: session.transaction?.sender ?? "",
      trusted: session.clientInMynetworks ||
        session.authenticatedUser !== null,
    };
  }

  async #openData(envelope: NewEnvelope): Promise<void> {
    let writer: QueueWriter;
    const subject = this.#authenticationSubject();
    try {
      writer = await this.#deps.enqueue(
        this.#authentication.wantsTrailer(subject)
          ? { ...envelope, trailer: true }
          : envelope,
      );
    } catch (e) {
      smtpdLog.warning(`NOQUEUE: cannot open queue file: ${describe(e)}`);
      return await this.#step({
        type: "data-open-failed",
        failure: queueFailure(e),
      });
    }
    this.#writer = writer;
    this.#envelope = envelope;
    this.#verdict = null;
    this.#checks = startMessageChecks(
      this.#config,
      this.#deps.tables ?? sessionTables,
      envelope,
      writer.id,
      (bytes) => writer.write(bytes),
    );
    this.#authentication.begin(subject);
    const session = this.#session;
    const header = receivedHeader({
      ...(session.tls === null ? {} : { tls: describeTls(session.tls) }),
      ...(session.authenticatedUser !== null &&
          this.#config.smtpd_sasl_authenticated_header
        ? { authenticatedSender: session.authenticatedUser }
        : {}),
      helo: envelope.helo,
      clientName: envelope.clientName,
      clientAddress: envelope.clientAddress,
      myhostname: this.#config.myhostname,
      protocol: envelope.protocol,
      queueId: writer.id,
      recipients: envelope.recipients,
      date: (this.#deps.now ?? Date.now)(),
    });
    // PREPEND actions of access maps and policy services go above the
    // Received: header, as Postfix's smtpd writes them.
    this.#dispositionsAtData =
      this.#session.transaction?.dispositions?.length ?? 0;
    const prepended = (this.#session.transaction?.dispositions ?? [])
      .flatMap((d) => d.action === "prepend" ? [`${d.header}\n`] : [])
      .join("");
    try {
      await this.#put(writer, encoder.encode(prepended + header));
    } catch (e) {
      smtpdLog.warning(`${writer.id}: queue file write error: ${describe(e)}`);
      await this.abortMessage();
      return await this.#step({
        type: "data-open-failed",
        failure: queueFailure(e),
      });
    }
    await this.#step({ type: "data-begun", queueId: writer.id });
  }

  /** Reads the content up to `<CRLF>.<CRLF>`, streaming it into the queue file. */
  async #receiveData(): Promise<void> {
    const limit = this.#config.message_size_limit > 0
      ? this.#config.message_size_limit
      : Infinity;
    const dot = new DotReader(limit, this.#buffers.content);
    const scanner = new MessageIdScanner();
    let failure: QueueFailure | null = null;
    let chunk = this.#lines.takeRest();
    // smtpd_timeout per line of content: restarted when a line ends.
    this.#deadline.startRequest();
    for (;;) {
      if (chunk.length === 0) {
        const outcome = await this.#waitForInput();
        if (typeof outcome !== "number") {
          this.#deadline.endRequest();
          return await this.#step({ type: outcome });
        }
        chunk = this.#buffer.subarray(0, outcome);
        if (chunk.includes(LF)) this.#deadline.startRequest();
      }
      const { content, done, rest } = dot.feed(chunk);
      if (content.length > 0 && failure === null && this.#writer !== null) {
        scanner.push(content);
        try {
          // Forged Authentication-Results out first, then the checks; most
          // messages have neither, and skip the extra step per chunk.
          if (!this.#authentication.active) {
            await this.#put(this.#writer, content);
          } else {
            for (const part of await this.#authentication.content(content)) {
              await this.#put(this.#writer, part);
            }
          }
        } catch (e) {
          smtpdLog.warning(
            `${this.#writer.id}: queue file write error: ${describe(e)}`,
          );
          failure = queueFailure(e);
        }
      }
      if (done) {
        this.#deadline.endRequest();
        this.#lines.push(rest);
        failure = await this.#finishAuthentication(failure);
        const checked = await this.#finishChecks();
        const summary = {
          ...dot.summary,
          messageId: scanner.messageId(),
          failure: failure ?? checked.failure,
          ...(checked.verdict === null ? {} : { content: checked.verdict }),
        };
        return await this.#step({ type: "data-end", summary });
      }
      chunk = EMPTY;
    }
  }

  /**
   * Ends the content's verification before the end-of-data restrictions:
   * writes what the forged-header filter held back.
   */
  async #finishAuthentication(
    failure: QueueFailure | null,
  ): Promise<QueueFailure | null> {
    const writer = this.#writer;
    const held = await this.#authentication.finish();
    if (failure !== null || writer === null) return failure;
    try {
      for (const part of held) await this.#put(writer, part);
    } catch (e) {
      smtpdLog.warning(`${writer.id}: queue file write error: ${describe(e)}`);
      return queueFailure(e);
    }
    const removed = this.#authentication.removed;
    if (removed > 0) {
      cleanupLog.info(
        `${writer.id}: removed ${removed} Authentication-Results ` +
          `header(s) claiming ${this.#config.myhostname}`,
      );
    }
    return null;
  }

  /** Header lines decided at the end of data, stored as the queue file's trailer. */
  #trailer(): Uint8Array | undefined {
    // PREPENDs from smtpd_end_of_data_restrictions (check_dmarc's
    // quarantine action) came after the top of the file was written.
    const late = (this.#session.transaction?.dispositions ?? [])
      .slice(this.#dispositionsAtData)
      .flatMap((d) => d.action === "prepend" ? [d.header] : []);
    return this.#authentication.trailer(late);
  }

  async #commit(hold: boolean): Promise<void> {
    const writer = this.#writer;
    if (writer === null) throw new Error("commit without an open queue file");
    try {
      const envelope = this.#envelope && this.#verdict &&
        checkedEnvelope(this.#envelope, this.#verdict);
      const trailer = this.#trailer();
      await writer.commit(
        hold || envelope || trailer
          ? {
            ...(hold ? { hold } : {}),
            ...(envelope ? { envelope } : {}),
            ...(trailer ? { trailer } : {}),
          }
          : undefined,
      );
    } catch (e) {
      smtpdLog.warning(
        `${writer.id}: cannot commit queue file: ${describe(e)}`,
      );
      return await this.#step({
        type: "queue-failed",
        failure: queueFailure(e),
      });
    }
    this.#writer = null;
    await this.#step({ type: "queued" });
  }

  /** Writes content to the queue file, through the content checks if any. */
  #put(writer: QueueWriter, bytes: Uint8Array): Promise<void> {
    return this.#checks === null
      ? writer.write(bytes)
      : this.#checks.write(bytes);
  }

  /** Ends the content checks: their verdict, and a write failure. */
  async #finishChecks(): Promise<
    { verdict: ContentVerdict | null; failure: QueueFailure | null }
  > {
    const checks = this.#checks;
    this.#checks = null;
    if (checks === null) return { verdict: null, failure: null };
    const { verdict, failure } = await checks.finish();
    this.#verdict = verdict;
    if (failure === null) return { verdict, failure: null };
    smtpdLog.warning(
      `${this.#writer?.id}: queue file write error: ${describe(failure)}`,
    );
    return { verdict, failure: queueFailure(failure) };
  }

  /** Sends the pending replies, then waits for input (or a reason not to). */
  async #waitForInput(): Promise<ReadOutcome> {
    if (!(await this.#flush())) return "eof";
    const idle = this.#session.phase === "command" &&
      !inTransaction(this.#session);
    if (idle && this.#control.draining()) return "shutdown";
    this.#readPending = true;
    const read: Promise<ReadOutcome> = this.#conn.read(this.#buffer).then(
      (n) => {
        this.#readPending = false;
        return n ?? "eof";
      },
      () => {
        this.#readPending = false;
        return "eof";
      },
    );
    return await this.#deadline.wait(read, "timeout", idle);
  }

  /** Writes the collected replies in one write; false if the client is gone. */
  async #flush(): Promise<boolean> {
    if (this.#lost) return false;
    if (this.#replies === "") return true;
    const bytes = encoder.encode(this.#replies);
    this.#replies = "";
    if (await writeAllWithin(this.#deadline, this.#conn, bytes)) return true;
    this.#lost = true;
    return false;
  }
}

/** Classifies a queue error: `no-space` for ENOSPC (452 4.3.1), else `write-error`. */
export function queueFailure(e: unknown): QueueFailure {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return code === "ENOSPC" ||
      /No space left on device|os error 28\b/.test(message)
    ? "no-space"
    : "write-error";
}

/** Whether any restriction list can ask about pop-before-smtp. */
function usesPopBeforeSmtp(config: Config): boolean {
  const lists = restrictionSettings(config).lists;
  return Object.values(lists).some((list) =>
    list.some((r) => r.name === "permit_pop_before_smtp")
  );
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
