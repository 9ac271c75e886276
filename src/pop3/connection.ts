/**
 * pop3d's connection adapter: runs one POP3 session over a byte stream.
 *
 * DESCRIPTION
 *   `serveSession` is the thin, asynchronous shell around the pure session
 *   (`session.ts`). It reads commands with the shared line reader
 *   (`net/line_reader.ts`, 255 octets here), feeds them to `step`, and
 *   carries out the actions: it checks logins with the authenticator and
 *   opens (locks) the maildrop, pauses after a failed login, starts TLS
 *   (`net/server_tls.ts`), scans the maildrop when the session asks
 *   (its first STAT, LIST, UIDL, RETR, …; login only locks), sends
 *   messages for RETR and TOP through `transmit.ts` (the reply and a
 *   small message in one write) with every write awaited, commits the
 *   deletions at QUIT or releases the maildrop unchanged otherwise.
 *
 *   Replies are collected and written in one write when no complete
 *   command is left in the input (RFC 2449 section 6.6, PIPELINING).
 *   `pop3_timeout` bounds each whole command line with the replies before
 *   it, not each read (a byte a second does not extend it), and
 *   `pop3_stress_timeout` replaces it while the listener is under stress,
 *   also for a wait already under way. When its service
 *   drains, a session still in the AUTHORIZATION state is told
 *   `-ERR [SYS/TEMP]` and closed; one in TRANSACTION may finish until the
 *   listener's deadline.
 *
 *   The adapter catches everything: a failing authenticator, maildrop or
 *   socket ends one session, never the daemon, and a maildrop it opened
 *   is always released.
 *
 *   Used by the pop3d listener (`server.ts`) and by `mailsrv pop3
 *   --inetd` with stdin/stdout. Needs the permissions of what
 *   `authenticate` and `openMaildrop` do; itself, none.
 *
 *   Does NOT listen or accept (see `server.ts`).
 */
import {
  type IoDeadline,
  openIoDeadline,
  writeAllWithin,
} from "../common/io_deadline.ts";
import type { ByteStream } from "../net/byte_stream.ts";
import type { DrainControl } from "../net/session_listener.ts";
import { failedLogins } from "../auth/failed_logins.ts";
import { maillog } from "../log/maillog.ts";
import { clientName } from "../net/client_name.ts";
import { CommandLineReader, nextCommandEvent } from "../net/line_reader.ts";

/** RFC 2449 section 4: a POP3 command line is at most 255 octets with CRLF. */
const POP3_LINE_LIMIT = 255;
import { formatReply } from "./replies.ts";
import {
  awaitingCommand,
  type LoginOutcome,
  newSession,
  type Pop3Session,
  type SessionAction,
  type SessionEvent,
  step,
} from "./session.ts";
import { startServerTls, type TlsContext } from "../net/server_tls.ts";
import { transmitMessage } from "./transmit.ts";
import { RetrPrefetch } from "./retr_prefetch.ts";
import {
  type Maildrop,
  MaildropBusyError,
  type MessageReader,
  type Pop3Client,
  type Pop3Deps,
} from "./types.ts";
import type { Config } from "../config/types.ts";

/** A byte stream pop3d talks over: a `Deno.Conn`, TLS, or a pair of pipes. */
export type Pop3Stream = ByteStream;

/** How a listener steers the sessions it runs. */
export type SessionControl = DrainControl;

/** TLS for one session. */
export interface SessionTls {
  /** Certificate and key; null: no TLS (STLS not offered). */
  readonly context: TlsContext | null;
  /** Handshake at once, before the greeting (pop3s). */
  readonly implicit: boolean;
}

const READ_BUFFER_SIZE = 4096;
const encoder = new TextEncoder();
const log = maillog("pop3d");

const LONE_SESSION: SessionControl = {
  draining: () => false,
  onDrain: () => () => {},
};

/** What waiting for input produced: bytes read, or why there are none. */
type ReadOutcome = number | "eof" | "timeout" | "shutdown";

/**
 * Runs one POP3 session on `io` until it ends, then closes `io`. Never
 * rejects.
 * @param client the client's IP address as logged
 * @param tls the session's TLS; absent: none
 * @param control set by a listener; absent for a lone session (inetd)
 */
export async function serveSession(
  io: Pop3Stream,
  deps: Pop3Deps,
  client: Pop3Client,
  tls: SessionTls = { context: null, implicit: false },
  control: SessionControl = LONE_SESSION,
): Promise<void> {
  const connection = new Pop3Connection(io, deps, client, tls, control);
  const unsubscribe = control.onDrain(() => connection.interrupt());
  try {
    await connection.run();
  } catch (e) {
    log.error(`session with ${client.address} failed: ${describe(e)}`);
  } finally {
    unsubscribe();
    await connection.releaseMaildrop();
    connection.close();
  }
}

/** One connection's I/O state around the pure session. */
class Pop3Connection {
  #stream: Pop3Stream;
  readonly #deps: Pop3Deps;
  readonly #client: Pop3Client;
  readonly #tls: SessionTls;
  readonly #control: SessionControl;
  readonly #config: Config;
  readonly #timeoutMs: number;
  readonly #buffer = new Uint8Array(READ_BUFFER_SIZE);
  readonly #lines = new CommandLineReader(POP3_LINE_LIMIT);
  #session: Pop3Session = newSession();
  #replies = "";
  #maildrop: Maildrop | null = null;
  readonly #prefetch = new RetrPrefetch();
  #lost = false;
  /** pop3_timeout on each wait for the client. */
  readonly #deadline: IoDeadline;
  /** What the line reader calls for more input (made once, not per command). */
  readonly #read = () => this.#waitForInput();

  constructor(
    stream: Pop3Stream,
    deps: Pop3Deps,
    client: Pop3Client,
    tls: SessionTls,
    control: SessionControl,
  ) {
    this.#stream = stream;
    this.#deps = deps;
    this.#client = client;
    this.#tls = tls;
    this.#control = control;
    this.#config = deps.config();
    this.#timeoutMs = this.#config.pop3_timeout * 1000;
    const stressMs = Math.min(
      this.#timeoutMs,
      this.#config.pop3_stress_timeout * 1000,
    );
    this.#deadline = openIoDeadline(
      () => control.stressed?.() ? stressMs : this.#timeoutMs,
      stressMs,
    );
  }

  async run(): Promise<void> {
    if (this.#tls.implicit) {
      if (this.#tls.context === null) {
        throw new Error("pop3s session without a TLS certificate");
      }
      try {
        this.#stream = await startServerTls(
          this.#stream,
          this.#tls.context,
          this.#timeoutMs,
        );
      } catch (e) {
        log.info(
          `TLS handshake failed with ${this.#client.address}: ${describe(e)}`,
        );
        return;
      }
    }
    const address = this.#client.address;
    await this.#step({
      type: "connect",
      client: { name: clientName(address), address },
      tls: this.#tls.implicit,
      tlsAvailable: this.#tls.context !== null,
    });
    while (this.#session.phase !== "closed") {
      // One pop3_timeout for the replies and the whole next line.
      const event = await nextCommandEvent(
        this.#lines,
        this.#buffer,
        this.#read,
        this.#deadline,
      );
      const stepping = this.#step(event);
      if (stepping !== undefined) await stepping;
    }
    await this.#flush();
  }

  /** Wakes a session blocked in an idle read, so it can say goodbye. */
  interrupt(): void {
    this.#deadline.interrupt("shutdown");
  }

  /** Unlocks the maildrop if the session still holds it. */
  async releaseMaildrop(): Promise<void> {
    const maildrop = this.#maildrop;
    if (maildrop === null) return;
    this.#maildrop = null;
    try {
      await maildrop.release();
    } catch (e) {
      log.warning(`cannot release the maildrop: ${describe(e)}`);
    }
  }

  close(): void {
    this.#prefetch.close(!this.#lost);
    this.#deadline.close();
    try {
      this.#stream.close();
    } catch {
      // Already closed by the peer or the listener's drain.
    }
  }

  /**
   * Runs the session's transition for `event`. Undefined when every
   * action was carried out at once (replies, logs): no promise, no turn
   * of the event loop, for the transitions of every RETR.
   */
  #step(event: SessionEvent): Promise<void> | undefined {
    const { session, actions } = step(this.#session, event, this.#config);
    this.#session = session;
    for (let i = 0; i < actions.length; i++) {
      const pending = this.#perform(actions[i]);
      if (pending !== undefined) return this.#performRest(pending, actions, i);
    }
    return undefined;
  }

  /** Waits for action `at`, then carries out the ones after it in turn. */
  async #performRest(
    pending: Promise<void>,
    actions: readonly SessionAction[],
    at: number,
  ): Promise<void> {
    await pending;
    for (let i = at + 1; i < actions.length; i++) {
      await this.#perform(actions[i]);
    }
  }

  #perform(action: SessionAction): Promise<void> | undefined {
    switch (action.type) {
      case "reply":
        this.#replies += formatReply(action.reply);
        return;
      case "log":
        log[action.level](action.text);
        return;
      case "delay":
        return this.#delay(action.seconds);
      case "login":
        return this.#checkLogin(action.login, action.password);
      case "scan":
        return this.#scan();
      case "start-tls":
        return this.#startTls();
      case "transmit":
        return this.#transmit(action);
      case "commit":
        return this.#commit(action.deleted);
      case "release":
        return this.releaseMaildrop();
      case "close":
        return;
    }
  }

  async #delay(seconds: number): Promise<void> {
    // Only failed logins pause; repeated ones from the same client,
    // across sessions, pause longer (failed_logins.ts).
    const factor = failedLogins.failed(this.#client.address);
    await this.#flush();
    await new Promise((r) => setTimeout(r, seconds * factor * 1000));
  }

  async #checkLogin(login: string, password: string): Promise<void> {
    const outcome = await this.#login(login, password);
    if (outcome.type === "ok") failedLogins.succeeded(this.#client.address);
    return await this.#step({ type: "login-result", outcome });
  }

  async #login(login: string, password: string): Promise<LoginOutcome> {
    let account;
    try {
      account = await this.#deps.authenticate(login, password, this.#client);
    } catch (e) {
      log.warning(`authentication of <${login}> failed: ${describe(e)}`);
      return { type: "unavailable" };
    }
    if (account === undefined) return { type: "rejected" };
    try {
      this.#maildrop = await this.#deps.openMaildrop(account);
    } catch (e) {
      if (e instanceof MaildropBusyError) return { type: "busy" };
      log.warning(`cannot open the maildrop of <${login}>: ${describe(e)}`);
      return { type: "unavailable" };
    }
    try {
      this.#deps.loginSucceeded?.(account, this.#client);
    } catch (e) {
      log.warning(`cannot record the login of <${login}>: ${describe(e)}`);
    }
    return { type: "ok" };
  }

  async #scan(): Promise<void> {
    let messages;
    try {
      if (this.#maildrop === null) throw new Error("no maildrop is open");
      messages = await this.#maildrop.scan();
    } catch (e) {
      return await this.#step({ type: "scan-failed", reason: describe(e) });
    }
    await this.#step({ type: "scanned", messages });
  }

  async #startTls(): Promise<void> {
    await this.#flush();
    this.#lines.discard();
    const context = this.#tls.context;
    try {
      if (context === null) throw new Error("no TLS certificate");
      this.#stream = await startServerTls(
        this.#stream,
        context,
        this.#timeoutMs,
      );
    } catch (e) {
      return await this.#step({ type: "tls-failed", reason: describe(e) });
    }
    await this.#step({ type: "tls-started" });
  }

  async #transmit(
    action: Extract<SessionAction, { type: "transmit" }>,
  ): Promise<void> {
    const maildrop = this.#maildrop;
    const ahead = action.bodyLines === null &&
      this.#prefetch.holds(action.index);
    let source: MessageReader | null = null;
    try {
      if (maildrop === null) throw new Error("no maildrop is open");
      if (!ahead) source = maildrop.retrieve(action.index);
    } catch (e) {
      return await this.#step({
        type: "transmit-failed",
        started: false,
        reason: describe(e),
      });
    }
    this.#replies += formatReply(action.reply);
    try {
      if (this.#lost) throw new Error("connection lost");
      // Read ahead: the replies and the message in one write, encoded
      // straight into the room kept before the message.
      const whole = source === null
        ? this.#prefetch.take(action.index, this.#replies)
        : null;
      if (whole !== null) {
        this.#replies = "";
        await this.#writeOrThrow(whole);
      } else {
        const head = encoder.encode(this.#replies);
        this.#replies = "";
        const write = (bytes: Uint8Array) => this.#writeOrThrow(bytes);
        if (source === null) {
          await this.#prefetch.send(action.index, head, write);
        } else {
          await transmitMessage(head, source, write, action.bodyLines);
        }
      }
    } catch (e) {
      return await this.#step({
        type: "transmit-failed",
        started: true,
        reason: describe(e),
      });
    }
    const stepping = this.#step({ type: "transmitted" });
    if (stepping !== undefined) await stepping;
    // While the client reads this message, read the one it asks next.
    if (action.bodyLines === null && this.#maildrop === maildrop) {
      this.#prefetch.prepare(action.index + 1, (i) => maildrop.retrieve(i));
    }
  }

  async #commit(deleted: ReadonlySet<number>): Promise<void> {
    const maildrop = this.#maildrop;
    try {
      if (maildrop === null) throw new Error("no maildrop is open");
      await maildrop.commit(deleted);
    } catch (e) {
      return await this.#step({ type: "commit-failed", reason: describe(e) });
    }
    this.#maildrop = null;
    await this.#step({ type: "committed" });
  }

  /** Sends the pending replies, then waits for input (or a reason not to). */
  async #waitForInput(): Promise<ReadOutcome> {
    if ((this.#replies !== "" || this.#lost) && !(await this.#flush())) {
      return "eof";
    }
    if (!awaitingCommand(this.#session)) {
      throw new Error(`POP3 session waits in phase "${this.#session.phase}"`);
    }
    const idle = this.#session.phase === "authorization";
    if (idle && this.#control.draining()) return "shutdown";
    let outcome: number | null | ReadOutcome;
    try {
      outcome = await this.#deadline.wait<number | null | ReadOutcome>(
        this.#stream.read(this.#buffer),
        "timeout",
        idle,
      );
    } catch {
      return "eof";
    }
    return outcome ?? "eof";
  }

  /** Writes the collected replies; false if the client is gone. */
  async #flush(): Promise<boolean> {
    try {
      await this.#flushOrThrow();
      return true;
    } catch {
      return false;
    }
  }

  async #flushOrThrow(): Promise<void> {
    if (this.#lost) throw new Error("connection lost");
    if (this.#replies === "") return;
    const bytes = encoder.encode(this.#replies);
    this.#replies = "";
    await this.#writeOrThrow(bytes);
  }

  /** Writes all of `bytes` within pop3_timeout, or throws (and marks the client lost). */
  async #writeOrThrow(bytes: Uint8Array): Promise<void> {
    // The socket takes a whole reply or message in one write as a rule:
    // that write is awaited with nothing around it but the time limit.
    let written: number;
    try {
      written = await this.#deadline.wait(this.#stream.write(bytes), -1);
    } catch {
      written = -1;
    }
    if (written === bytes.length) return;
    if (
      written >= 0 &&
      await writeAllWithin(
        this.#deadline,
        this.#stream,
        bytes.subarray(written),
      )
    ) return;
    this.#lost = true;
    throw new Error("connection lost or write timed out");
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
