/**
 * The client side of one SMTP session: greeting, EHLO (or HELO),
 * STARTTLS, AUTH, then one transaction per message, then QUIT.
 *
 * DESCRIPTION
 *   `openClientSession(connection, settings)` reads the greeting and says
 *   EHLO, falling back to HELO when EHLO is refused. With TLS wanted and
 *   offered it sends STARTTLS, upgrades and says EHLO again (RFC 3207:
 *   what the server offered before TLS is forgotten). With credentials it
 *   authenticates (PLAIN or LOGIN, `sasl.ts`). Every failure before the
 *   first transaction throws `SessionFailure` with whether it is
 *   temporary, so the caller can try the next MX host or defer.
 *
 *   `session.send(envelope)` runs one transaction: MAIL FROM with SIZE,
 *   BODY, RET and ENVID as the server offers them, one RCPT TO per
 *   recipient with NOTIFY and ORCPT when it offers DSN, DATA, the content
 *   (`data_encoder.ts`), and the final reply. With PIPELINING, MAIL, the
 *   RCPTs and DATA go out in one write and the replies are read in order
 *   (RFC 2920). It answers each recipient's outcome: accepted by the final
 *   reply, or refused by its RCPT reply, MAIL's, or the final one. A
 *   message larger than the server's SIZE is not sent (5.3.4). Several
 *   messages may be sent in one session: after a transaction that did not
 *   complete, RSET clears the server's state first.
 *
 *   Every wait has its own limit (Postfix's smtp_*_timeout parameters).
 *
 *   LMTP (RFC 2033, `settings.lmtp`): LHLO instead of EHLO (no HELO
 *   fallback), and after the content one reply per accepted recipient,
 *   in RCPT order, each deciding its own recipient.
 *
 *   XFORWARD (Postfix's XFORWARD_README): when the envelope carries the
 *   original client's attributes and the server offers XFORWARD, they
 *   are sent before MAIL FROM (only the attributes it offers, xtext
 *   encoded, lines of at most 512 bytes); a refusal decides every
 *   recipient as MAIL's would.
 *
 *   Used by the SMTP delivery agent. Does no DNS and chooses no host;
 *   see `smtp_agent.ts`.
 */
import {
  type SmtpClientConnection,
  SmtpConnectionError,
  type TlsOutcome,
} from "./client_connection.ts";
import { DataEncoder } from "./data_encoder.ts";
import { joinBytes } from "../../common/join_bytes.ts";
import {
  type EhloOffers,
  ehloOffers,
  enhancedCode,
  replyText,
  type SmtpReply,
} from "./reply.ts";
import { xforwardCommands } from "./xforward_client.ts";
import {
  chooseMechanism,
  loginResponse,
  plainResponse,
  type SaslCredentials,
} from "./sasl.ts";

/** Postfix's smtp_*_timeout values, in milliseconds. */
export interface SessionTimeouts {
  readonly helo: number;
  readonly starttls: number;
  readonly mail: number;
  readonly rcpt: number;
  readonly dataInit: number;
  readonly dataXfer: number;
  readonly dataDone: number;
  readonly quit: number;
  readonly rset: number;
}

/** Postfix's defaults. */
export const DEFAULT_TIMEOUTS: SessionTimeouts = {
  helo: 300_000,
  starttls: 300_000,
  mail: 300_000,
  rcpt: 300_000,
  dataInit: 120_000,
  dataXfer: 180_000,
  dataDone: 600_000,
  quit: 300_000,
  rset: 20_000,
};

/** How to run the session. */
export interface SessionSettings {
  /** smtp_helo_name. */
  readonly heloName: string;
  readonly timeouts: SessionTimeouts;
  /** "host[address]:port", for messages. */
  readonly peer: string;
  /**
   * What to do about TLS when the server offers STARTTLS: "use" it,
   * "skip" it, or "require" it (the session fails when not offered).
   */
  readonly startTls: "use" | "skip" | "require";
  /** Upgrades the connection; the agent's TLS policy lives in it. */
  readonly upgrade?: (connection: SmtpClientConnection) => Promise<TlsOutcome>;
  /** myhostname: a server greeting with it is this host (a mail loop). */
  readonly myHostname?: string;
  /** The next-hop destination, for the loop message. */
  readonly destination?: string;
  /** Credentials for AUTH, when SASL is enabled and the table has them. */
  readonly credentials?: SaslCredentials;
  /** Security options for AUTH in plaintext and under TLS. */
  readonly saslOptions?: {
    readonly plain: ReadonlySet<string>;
    readonly tls: ReadonlySet<string>;
  };
  /** Speak LMTP (RFC 2033): LHLO, one final reply per recipient. */
  readonly lmtp?: boolean;
}

/** The session could not get to its first transaction. */
export class SessionFailure extends Error {
  readonly temporary: boolean;
  readonly dsn: string;
  /** Try the next MX host (a greeting or connection problem) rather than defer. */
  readonly tryNextHost: boolean;
  constructor(
    message: string,
    temporary: boolean,
    dsn: string,
    tryNextHost: boolean,
  ) {
    super(message);
    this.name = "SessionFailure";
    this.temporary = temporary;
    this.dsn = dsn;
    this.tryNextHost = tryNextHost;
  }
}

/** One recipient of a transaction. */
export interface EnvelopeRecipient {
  readonly address: string;
  /** DSN NOTIFY (`NEVER` or a list of SUCCESS, FAILURE, DELAY). */
  readonly notify?: string;
  /** DSN ORCPT, already in `rfc822;xtext` form. */
  readonly orcpt?: string;
}

/** A message to send. */
export interface Envelope {
  readonly sender: string;
  readonly recipients: readonly EnvelopeRecipient[];
  readonly size: number;
  readonly body?: "7BIT" | "8BITMIME";
  readonly ret?: "FULL" | "HDRS";
  readonly envid?: string;
  /**
   * The original client for XFORWARD (NAME, ADDR, PROTO, HELO, IDENT,
   * SOURCE: decoded values), when smtp_send_xforward_command is set.
   */
  readonly xforward?: Readonly<Record<string, string>>;
  /** The content with LF line ends. */
  readonly content: () => ReadableStream<Uint8Array>;
}

/** What became of one recipient. */
export interface RecipientOutcome {
  readonly address: string;
  readonly status: "sent" | "deferred" | "bounced";
  readonly dsn: string;
  /** The server's reply, or why there was none. */
  readonly reason: string;
}

/** An open session, ready for transactions. */
export interface ClientSession {
  readonly offers: EhloOffers;
  readonly tls?: TlsOutcome;
  readonly authenticated: boolean;
  /** Sends one message; never throws for the server's refusals. */
  send(envelope: Envelope): Promise<RecipientOutcome[]>;
  /** Whether another transaction may follow on this connection. */
  readonly usable: boolean;
  /** Says QUIT (briefly) and closes. */
  quit(): Promise<void>;
}

function statusOf(reply: SmtpReply): "deferred" | "bounced" {
  return reply.code >= 500 ? "bounced" : "deferred";
}

function dsnOf(reply: SmtpReply): string {
  return enhancedCode(reply) ??
    (reply.code >= 500 ? "5.0.0" : reply.code >= 400 ? "4.0.0" : "2.0.0");
}

/** Postfix's wording: "host X said: 550 … (in reply to RCPT TO command)". */
function said(peer: string, reply: SmtpReply, command: string): string {
  return `host ${peer} said: ${
    replyText(reply)
  } (in reply to ${command} command)`;
}

/** Postfix's words for a failed wait: "conversation with X timed out while …". */
function failureText(error: unknown, peer: string, what: string): string {
  if (error instanceof SmtpConnectionError) {
    if (error.kind === "timeout") {
      return `conversation with ${peer} timed out ${what}`;
    }
    if (error.kind === "lost") return `lost connection with ${peer} ${what}`;
    return `${error.message} from ${peer} ${what}`;
  }
  return `${errorText(error)} with ${peer} ${what}`;
}

/** Reads a reply, turning a lost connection into a SessionFailure. */
async function expect(
  connection: SmtpClientConnection,
  ms: number,
  what: string,
  peer: string,
): Promise<SmtpReply> {
  try {
    return await connection.readReply(ms, what);
  } catch (error) {
    throw new SessionFailure(
      failureText(error, peer, what),
      true,
      "4.4.2",
      true,
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function say(
  connection: SmtpClientConnection,
  line: string,
  ms: number,
  peer: string,
): Promise<void> {
  try {
    await connection.write(`${line}\r\n`, ms);
  } catch (error) {
    throw new SessionFailure(
      failureText(error, peer, `while sending ${line.split(" ")[0]}`),
      true,
      "4.4.2",
      true,
    );
  }
}

/** Says one command line and reads its reply. */
async function ask(
  connection: SmtpClientConnection,
  line: string,
  ms: number,
  what: string,
  peer: string,
): Promise<SmtpReply> {
  await say(connection, line, ms, peer);
  return await expect(connection, ms, what, peer);
}

/** EHLO, then HELO if EHLO is refused; the offers (none after HELO). */
async function greet(
  connection: SmtpClientConnection,
  settings: SessionSettings,
): Promise<EhloOffers> {
  const { peer, timeouts } = settings;
  const hello = settings.lmtp ? "LHLO" : "EHLO";
  const ehlo = await ask(
    connection,
    `${hello} ${settings.heloName}`,
    timeouts.helo,
    `while performing the ${hello} handshake`,
    peer,
  );
  if (ehlo.code === 250) return ehloOffers(ehlo);
  if (settings.lmtp) {
    throw new SessionFailure(
      said(peer, ehlo, "LHLO"),
      ehlo.code < 500,
      dsnOf(ehlo),
      true,
    );
  }
  const helo = await ask(
    connection,
    `HELO ${settings.heloName}`,
    timeouts.helo,
    "while performing the HELO handshake",
    peer,
  );
  if (helo.code !== 250) {
    throw new SessionFailure(
      said(peer, helo, "HELO"),
      helo.code < 500,
      dsnOf(helo),
      true,
    );
  }
  return ehloOffers({ code: 250, lines: [helo.lines[0]] });
}

async function authenticate(
  connection: SmtpClientConnection,
  settings: SessionSettings,
  offers: EhloOffers,
  underTls: boolean,
): Promise<boolean> {
  const credentials = settings.credentials;
  if (!credentials) return false;
  const { peer, timeouts } = settings;
  const options = underTls
    ? settings.saslOptions?.tls ?? new Set(["noanonymous"])
    : settings.saslOptions?.plain ?? new Set(["noplaintext", "noanonymous"]);
  if (offers.auth.length === 0) {
    // Postfix goes on without AUTH; the server will refuse relaying if it must.
    return false;
  }
  const mechanism = chooseMechanism(offers.auth, options);
  if (!mechanism) {
    throw new SessionFailure(
      `SASL authentication failed: no mechanism available for ${peer}` +
        (underTls ? "" : " without TLS (smtp_sasl_security_options)"),
      true,
      "4.7.0",
      false,
    );
  }
  let reply: SmtpReply;
  if (mechanism === "PLAIN") {
    reply = await ask(
      connection,
      `AUTH PLAIN ${plainResponse(credentials)}`,
      timeouts.helo,
      "while authenticating",
      peer,
    );
  } else {
    reply = await ask(
      connection,
      "AUTH LOGIN",
      timeouts.helo,
      "while authenticating",
      peer,
    );
    for (let step = 0; step < 2 && reply.code === 334; step++) {
      reply = await ask(
        connection,
        loginResponse(reply.lines[0], credentials),
        timeouts.helo,
        "while authenticating",
        peer,
      );
    }
  }
  if (reply.code !== 235) {
    throw new SessionFailure(
      `SASL authentication failed; server ${peer} said: ${replyText(reply)}`,
      reply.code < 500 || reply.code === 535,
      dsnOf(reply).replace(/^5/, "4"),
      false,
    );
  }
  return true;
}

/**
 * Reads the greeting, says EHLO/HELO, upgrades to TLS and authenticates.
 * @throws SessionFailure when the session cannot carry mail
 */
export async function openClientSession(
  connection: SmtpClientConnection,
  settings: SessionSettings,
): Promise<ClientSession> {
  const { peer, timeouts } = settings;
  const greeting = await expect(
    connection,
    timeouts.helo,
    "while receiving the initial server greeting",
    peer,
  );
  if (greeting.code !== 220) {
    throw new SessionFailure(
      `host ${peer} refused to talk to me: ${replyText(greeting)}`,
      greeting.code < 500,
      dsnOf(greeting),
      true,
    );
  }
  const greeter = (greeting.lines[0] ?? "").split(/\s+/)[0].toLowerCase();
  if (settings.myHostname && greeter === settings.myHostname.toLowerCase()) {
    // Postfix: "host X greeted me with my own hostname".
    throw new SessionFailure(
      `mail for ${settings.destination ?? peer} loops back to myself`,
      false,
      "5.4.6",
      false,
    );
  }
  let offers = await greet(connection, settings);
  let tls = connection.tls;
  if (
    !tls && settings.startTls !== "skip" && offers.startTls && settings.upgrade
  ) {
    const ready = await ask(
      connection,
      "STARTTLS",
      timeouts.starttls,
      "while sending STARTTLS",
      peer,
    );
    if (ready.code !== 220) {
      if (settings.startTls === "require") {
        throw new SessionFailure(
          said(peer, ready, "STARTTLS"),
          true,
          "4.7.5",
          true,
        );
      }
    } else {
      try {
        tls = await settings.upgrade(connection);
      } catch (error) {
        throw new SessionFailure(
          `Cannot start TLS: handshake failure with ${peer}: ${
            errorText(error)
          }`,
          true,
          "4.7.5",
          true,
        );
      }
      offers = await greet(connection, settings);
    }
  }
  if (!tls && settings.startTls === "require") {
    throw new SessionFailure(
      `TLS is required, but was not offered by host ${peer}`,
      true,
      "4.7.4",
      true,
    );
  }
  const authenticated = await authenticate(
    connection,
    settings,
    offers,
    tls !== undefined,
  );
  return createSession(connection, settings, offers, tls, authenticated);
}

function mailCommand(envelope: Envelope, offers: EhloOffers): string {
  let command = `MAIL FROM:<${envelope.sender}>`;
  if (offers.size !== undefined) command += ` SIZE=${envelope.size}`;
  if (envelope.body && offers.eightBitMime) command += ` BODY=${envelope.body}`;
  if (offers.dsn) {
    if (envelope.ret) command += ` RET=${envelope.ret}`;
    if (envelope.envid) command += ` ENVID=${envelope.envid}`;
  }
  return command;
}

function rcptCommand(recipient: EnvelopeRecipient, offers: EhloOffers): string {
  let command = `RCPT TO:<${recipient.address}>`;
  if (offers.dsn) {
    if (recipient.notify) command += ` NOTIFY=${recipient.notify}`;
    if (recipient.orcpt) command += ` ORCPT=${recipient.orcpt}`;
  }
  return command;
}

function createSession(
  connection: SmtpClientConnection,
  settings: SessionSettings,
  offers: EhloOffers,
  tls: TlsOutcome | undefined,
  authenticated: boolean,
): ClientSession {
  const { peer, timeouts } = settings;
  let usable = true;
  let clean = true;

  const everyone = (
    envelope: Envelope,
    status: RecipientOutcome["status"],
    dsn: string,
    reason: string,
  ): RecipientOutcome[] =>
    envelope.recipients.map((r) => ({
      address: r.address,
      status,
      dsn,
      reason,
    }));

  async function transaction(envelope: Envelope): Promise<RecipientOutcome[]> {
    if (offers.size && envelope.size > offers.size) {
      return everyone(
        envelope,
        "bounced",
        "5.3.4",
        `message size ${envelope.size} exceeds size limit ${offers.size} of server ${peer}`,
      );
    }
    if (!clean) {
      const reset = await ask(
        connection,
        "RSET",
        timeouts.rset,
        "while sending RSET",
        peer,
      );
      if (reset.code !== 250) {
        usable = false;
        return everyone(
          envelope,
          "deferred",
          "4.4.2",
          said(peer, reset, "RSET"),
        );
      }
      clean = true;
    }
    clean = false;
    for (const line of xforwardCommands(envelope.xforward, offers.xforward)) {
      const forwarded = await ask(
        connection,
        line,
        timeouts.mail,
        "while sending XFORWARD",
        peer,
      );
      if (forwarded.code !== 250) {
        return everyone(
          envelope,
          statusOf(forwarded),
          dsnOf(forwarded),
          said(peer, forwarded, "XFORWARD"),
        );
      }
    }
    const mail = mailCommand(envelope, offers);
    const rcpts = envelope.recipients.map((r) => rcptCommand(r, offers));
    if (offers.pipelining) {
      await connection.write(
        [mail, ...rcpts, "DATA", ""].join("\r\n"),
        timeouts.mail,
      )
        .catch((error) => {
          throw new SessionFailure(
            failureText(error, peer, "while sending MAIL FROM"),
            true,
            "4.4.2",
            false,
          );
        });
    } else {
      await say(connection, mail, timeouts.mail, peer);
    }
    const mailReply = await expect(
      connection,
      timeouts.mail,
      "while sending MAIL FROM",
      peer,
    );
    if (mailReply.code !== 250 && !offers.pipelining) {
      return everyone(
        envelope,
        statusOf(mailReply),
        dsnOf(mailReply),
        said(peer, mailReply, "MAIL FROM"),
      );
    }
    const outcomes: (RecipientOutcome | undefined)[] = [];
    for (let i = 0; i < rcpts.length; i++) {
      if (!offers.pipelining) {
        if (mailReply.code !== 250) break;
        await say(connection, rcpts[i], timeouts.rcpt, peer);
      }
      const reply = await expect(
        connection,
        timeouts.rcpt,
        "while sending RCPT TO",
        peer,
      );
      const address = envelope.recipients[i].address;
      if (mailReply.code !== 250) {
        outcomes.push({
          address,
          status: statusOf(mailReply),
          dsn: dsnOf(mailReply),
          reason: said(peer, mailReply, "MAIL FROM"),
        });
      } else if (reply.code === 250 || reply.code === 251) {
        outcomes.push(undefined);
      } else {
        outcomes.push({
          address,
          status: statusOf(reply),
          dsn: dsnOf(reply),
          reason: said(peer, reply, "RCPT TO"),
        });
      }
    }
    if (mailReply.code !== 250 && !offers.pipelining) {
      return everyone(
        envelope,
        statusOf(mailReply),
        dsnOf(mailReply),
        said(peer, mailReply, "MAIL FROM"),
      );
    }
    const accepted = outcomes.filter((o) => o === undefined).length;
    if (!offers.pipelining && accepted > 0) {
      await say(connection, "DATA", timeouts.dataInit, peer);
    }
    let dataReply: SmtpReply | undefined;
    if (offers.pipelining || accepted > 0) {
      dataReply = await expect(
        connection,
        timeouts.dataInit,
        "while sending DATA",
        peer,
      );
    }
    if (dataReply?.code === 354 && accepted === 0) {
      // Pipelined DATA went through although no recipient did: end it empty.
      await ask(
        connection,
        ".",
        timeouts.dataDone,
        "while sending end of data",
        peer,
      );
    }
    if (accepted === 0) return outcomes as RecipientOutcome[];
    if (dataReply?.code !== 354) {
      const reply = dataReply!;
      return outcomes.map((o, i) =>
        o ?? {
          address: envelope.recipients[i].address,
          status: statusOf(reply),
          dsn: dsnOf(reply),
          reason: said(peer, reply, "DATA"),
        }
      );
    }
    await sendContent(envelope);
    if (settings.lmtp) return await lmtpReplies(envelope, outcomes);
    const final = await expect(
      connection,
      timeouts.dataDone,
      "while sending end of data -- message may be sent more than once",
      peer,
    );
    clean = true;
    return outcomes.map((o, i) =>
      o ?? {
        address: envelope.recipients[i].address,
        status: final.code === 250 ? "sent" : statusOf(final),
        dsn: dsnOf(final),
        reason: final.code === 250
          ? replyText(final)
          : said(peer, final, "end of DATA"),
      }
    );
  }

  /** LMTP: one final reply per accepted recipient, in RCPT order. */
  async function lmtpReplies(
    envelope: Envelope,
    outcomes: readonly (RecipientOutcome | undefined)[],
  ): Promise<RecipientOutcome[]> {
    const results: RecipientOutcome[] = [];
    for (let i = 0; i < outcomes.length; i++) {
      const known = outcomes[i];
      if (known !== undefined) {
        results.push(known);
        continue;
      }
      const final = await expect(
        connection,
        timeouts.dataDone,
        "while sending end of data -- message may be sent more than once",
        peer,
      );
      results.push({
        address: envelope.recipients[i].address,
        status: final.code === 250 ? "sent" : statusOf(final),
        dsn: dsnOf(final),
        reason: final.code === 250
          ? replyText(final)
          : said(peer, final, "end of DATA"),
      });
    }
    clean = true;
    return results;
  }

  async function sendContent(envelope: Envelope): Promise<void> {
    const encoder = new DataEncoder();
    const reader = envelope.content().getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await connection.write(
          joinBytes(encoder.encode(value)),
          timeouts.dataXfer,
          "while sending message body",
        )
          .catch((error) => {
            throw new SessionFailure(
              failureText(error, peer, "while sending message body"),
              true,
              "4.4.2",
              false,
            );
          });
      }
    } finally {
      reader.releaseLock();
    }
    await connection.write(encoder.finish(), timeouts.dataXfer).catch(
      (error) => {
        throw new SessionFailure(
          failureText(error, peer, "while sending end of data"),
          true,
          "4.4.2",
          false,
        );
      },
    );
  }

  return {
    offers,
    tls,
    authenticated,
    get usable() {
      return usable;
    },
    async send(envelope) {
      try {
        return await transaction(envelope);
      } catch (error) {
        usable = false;
        if (!(error instanceof SessionFailure)) throw error;
        return everyone(envelope, "deferred", error.dsn, error.message);
      }
    },
    async quit() {
      usable = false;
      try {
        await connection.write("QUIT\r\n", timeouts.quit);
        await connection.readReply(Math.min(timeouts.quit, 5000));
      } catch {
        // The server may close first; the mail is already decided.
      } finally {
        connection.close();
      }
    },
  };
}
