/**
 * One connection of the SMTP client: replies in, commands and content
 * out, every wait bounded, and the STARTTLS upgrade.
 *
 * DESCRIPTION
 *   `connectSmtp(address, port, …)` opens a TCP connection (or, with
 *   `wrapper`, an implicit TLS one, port 465) within the connect timeout.
 *   `readReply(ms)` gives the next whole reply or rejects with
 *   `SmtpConnectionError` when the server is silent for `ms`, closes the
 *   connection or sends a malformed line; `write(bytes, ms)` waits for
 *   the socket to drain, so a server that stops reading cannot make the
 *   client buffer a whole message. `startTls` upgrades the connection
 *   after a 220 to STARTTLS; input received before the handshake is
 *   thrown away (the plaintext injection of CVE-2011-0411).
 *
 *   TLS uses node:tls, which can complete a handshake with a certificate
 *   it cannot verify and say so (`authorized`), as Postfix's
 *   opportunistic TLS needs; the policy deciding whether that is good
 *   enough lives in `tls_policy.ts`.
 *
 *   Used by the SMTP delivery agent. Needs net access to the server.
 */
import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { CommandLineReader } from "../../net/line_reader.ts";
import {
  MalformedReplyError,
  ReplyAssembler,
  type SmtpReply,
} from "./reply.ts";

/** How a connection failed. */
export type ConnectionFailure =
  | "connect"
  | "timeout"
  | "lost"
  | "malformed"
  | "tls";

/** The connection failed or the server broke the protocol. */
export class SmtpConnectionError extends Error {
  readonly kind: ConnectionFailure;
  constructor(kind: ConnectionFailure, message: string) {
    super(message);
    this.name = "SmtpConnectionError";
    this.kind = kind;
  }
}

/** How to set up TLS on a connection. */
export interface TlsSetup {
  /** Name sent as SNI and checked in the certificate when `verify`. */
  readonly servername: string;
  /** Trusted CA certificates (PEM); the system's when absent. */
  readonly ca?: string;
  /** Reject a certificate that does not verify. */
  readonly verify: boolean;
  /** Checks the certificate's names; undefined when it matches. */
  readonly checkName?: (cert: PeerCertificate) => Error | undefined;
}

/** The parts of a peer certificate the policy looks at. */
export interface PeerCertificate {
  readonly subject?: { readonly CN?: string | string[] };
  readonly subjectaltname?: string;
  readonly fingerprint256?: string;
}

/** What a completed handshake tells. */
export interface TlsOutcome {
  /** The certificate chains to a trusted CA. */
  readonly trusted: boolean;
  readonly authorizationError?: string;
  readonly protocol: string;
  readonly cipher: string;
  readonly bits?: number;
  readonly certificate: PeerCertificate;
}

type Wait = {
  resolve: () => void;
  reject: (error: Error) => void;
};

/** An open SMTP client connection. */
export class SmtpClientConnection {
  #socket: Socket | TLSSocket;
  #lines = new CommandLineReader(512);
  #replies = new ReplyAssembler();
  #chunks: Uint8Array[] = [];
  #ended: Error | undefined;
  #waiting: Wait | undefined;
  #tls: TlsOutcome | undefined;

  private constructor(socket: Socket | TLSSocket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  /** The TLS result, once TLS is up. */
  get tls(): TlsOutcome | undefined {
    return this.#tls;
  }

  #listen(socket: Socket | TLSSocket): void {
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#wake();
    });
    socket.on(
      "end",
      () => this.#end(new SmtpConnectionError("lost", "lost connection")),
    );
    socket.on(
      "close",
      () => this.#end(new SmtpConnectionError("lost", "lost connection")),
    );
    socket.on(
      "error",
      (error: Error) =>
        this.#end(
          new SmtpConnectionError("lost", `lost connection: ${error.message}`),
        ),
    );
  }

  #end(error: SmtpConnectionError): void {
    this.#ended ??= error;
    this.#wake();
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve();
  }

  /** Waits for more input or the end, at most `ms`. */
  #waitForInput(ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new SmtpConnectionError("timeout", `timeout ${what}`));
      }, ms);
      this.#waiting = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject,
      };
    });
  }

  /**
   * The next reply.
   * @param what for the error: "while receiving the initial server greeting"
   * @throws SmtpConnectionError on timeout, a lost connection or a malformed reply
   */
  async readReply(
    ms: number,
    what = "while reading a reply",
  ): Promise<SmtpReply> {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = this.#lines.next();
      if (line !== null) {
        if (line.kind === "too-long") {
          throw new SmtpConnectionError(
            "malformed",
            "malformed reply: line too long",
          );
        }
        try {
          const reply = this.#replies.push(line.text);
          if (reply) return reply;
        } catch (error) {
          if (error instanceof MalformedReplyError) {
            throw new SmtpConnectionError("malformed", error.message);
          }
          throw error;
        }
        continue;
      }
      const chunk = this.#chunks.shift();
      if (chunk) {
        this.#lines.push(chunk);
        continue;
      }
      if (this.#ended) throw this.#ended;
      await this.#waitForInput(Math.max(deadline - Date.now(), 0), what);
    }
  }

  /**
   * Writes `bytes`, waiting for the socket to drain.
   * @throws SmtpConnectionError on timeout or a lost connection
   */
  async write(
    bytes: Uint8Array | string,
    ms: number,
    what = "while sending",
  ): Promise<void> {
    if (this.#ended) throw this.#ended;
    if (this.#socket.write(bytes)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.#socket.off("drain", drained);
        this.#socket.off("close", closed);
        if (error) reject(error);
        else resolve();
      };
      const drained = () => done();
      const closed = () =>
        done(this.#ended ?? new SmtpConnectionError("lost", "lost connection"));
      const timer = setTimeout(
        () => done(new SmtpConnectionError("timeout", `timeout ${what}`)),
        ms,
      );
      this.#socket.on("drain", drained);
      this.#socket.on("close", closed);
    });
  }

  /**
   * Upgrades to TLS after the server's 220 to STARTTLS.
   * @throws SmtpConnectionError when the handshake fails, times out or
   *   (with `verify`) the certificate does not verify
   */
  async startTls(setup: TlsSetup, ms: number): Promise<TlsOutcome> {
    const plain = this.#socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("end");
    plain.removeAllListeners("close");
    plain.removeAllListeners("error");
    // Whatever came before the handshake is not under TLS: drop it.
    this.#chunks = [];
    this.#lines.discard();
    const secure = await handshake(
      (options) => tlsConnect({ ...options, socket: plain }),
      setup,
      ms,
    );
    this.#socket = secure;
    this.#listen(secure);
    this.#tls = outcomeOf(secure);
    return this.#tls;
  }

  /** Closes the connection (no QUIT; see the conversation for that). */
  close(): void {
    this.#socket.removeAllListeners();
    this.#socket.on("error", () => {});
    this.#socket.destroy();
  }

  /** Opens a connection; with `wrapper`, TLS from the first byte. */
  static async open(
    address: string,
    port: number,
    connectTimeout: number,
    wrapper?: TlsSetup,
  ): Promise<SmtpClientConnection> {
    if (wrapper) {
      const secure = await handshake(
        (options) => tlsConnect({ ...options, host: address, port }),
        wrapper,
        connectTimeout,
      );
      const connection = new SmtpClientConnection(secure);
      connection.#tls = outcomeOf(secure);
      return connection;
    }
    const socket = await new Promise<Socket>((resolve, reject) => {
      const socket = tcpConnect({ host: address, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SmtpConnectionError("connect", "connect timeout"));
      }, connectTimeout);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(socket);
      });
      socket.once("error", (error: Error) => {
        clearTimeout(timer);
        reject(
          new SmtpConnectionError(
            "connect",
            `connect to ${address}:${port}: ${connectFailure(error)}`,
          ),
        );
      });
    });
    socket.setNoDelay(true);
    return new SmtpClientConnection(socket);
  }
}

/** Postfix's wording for the usual connect failures. */
function connectFailure(error: Error): string {
  const code = (error as { code?: string }).code;
  if (code === "ECONNREFUSED") return "Connection refused";
  if (code === "ENETUNREACH") return "Network is unreachable";
  if (code === "EHOSTUNREACH") return "No route to host";
  return error.message;
}

type TlsOptions = {
  servername: string;
  ca?: string;
  rejectUnauthorized: boolean;
  checkServerIdentity: (
    host: string,
    cert: PeerCertificate,
  ) => Error | undefined;
};

function handshake(
  open: (options: TlsOptions) => TLSSocket,
  setup: TlsSetup,
  ms: number,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = open({
      servername: setup.servername,
      ca: setup.ca,
      rejectUnauthorized: setup.verify,
      checkServerIdentity: (_host, cert) =>
        setup.verify ? setup.checkName?.(cert) : undefined,
    });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new SmtpConnectionError("tls", "timeout during TLS handshake"));
    }, ms);
    secure.once("secureConnect", () => {
      clearTimeout(timer);
      secure.removeAllListeners("error");
      resolve(secure);
    });
    secure.once("error", (error: Error) => {
      clearTimeout(timer);
      secure.destroy();
      reject(
        new SmtpConnectionError(
          "tls",
          `TLS handshake failed: ${error.message}`,
        ),
      );
    });
  });
}

function outcomeOf(secure: TLSSocket): TlsOutcome {
  const cipher = secure.getCipher();
  const error = secure.authorizationError;
  return {
    trusted: secure.authorized,
    authorizationError: error ? String(error) : undefined,
    protocol: secure.getProtocol() ?? "TLS",
    cipher: cipher?.name ?? "unknown",
    bits: (cipher as { bits?: number } | undefined)?.bits,
    certificate: secure.getPeerCertificate() as PeerCertificate,
  };
}
