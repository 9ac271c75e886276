/**
 * Server-side TLS: implicit TLS at accept and STARTTLS-style upgrades.
 *
 * DESCRIPTION
 *   `loadTlsContext` reads a certificate chain file (the leaf, then
 *   intermediates) and its key into a node:tls secure context, or gives
 *   null when no certificate is configured. The caller names the
 *   parameters the files came from (`pop3_tls_cert_file`, …) so errors
 *   point at the setting to fix.
 *
 *   `startServerTls` runs the server side of a TLS handshake over any
 *   `ByteStream` — a `Deno.Conn` at accept (pop3s), the same connection
 *   after the protocol's "go ahead" reply (POP3 STLS, later SMTP
 *   STARTTLS), or stdin/stdout under inetd — and resolves to a
 *   `ByteStream` of the decrypted bytes. `Deno.startTls` is client-only,
 *   so this wraps the stream in a node Duplex and hands it to `node:tls`
 *   `TLSSocket` with `isServer`. Reads are pulled one at a time and the
 *   socket is paused while decrypted bytes wait, so a client cannot make
 *   the session buffer more than one TLS record ahead.
 *
 *   Used by the pop3d listener and adapter. Needs --allow-read for the
 *   certificate and key files.
 *
 * STANDARDS
 *   RFC 2595 section 4 (STLS), RFC 8314 section 3.3 (implicit TLS, pop3s
 *   on port 995).
 *
 *   Does NOT speak any mail protocol, ask for client certificates, reload
 *   certificates on their own (a reload of mailsrv reads them anew), or
 *   support SNI.
 */
import tls from "node:tls";
import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import type { ByteStream } from "./byte_stream.ts";

/** A loaded certificate and key, ready for handshakes. */
export type TlsContext = tls.SecureContext;

/** The parameter names the files came from, for error messages. */
export interface TlsFileNames {
  /** E.g. `pop3_tls_cert_file`. */
  readonly cert: string;
  /** E.g. `pop3_tls_key_file`. */
  readonly key: string;
}

const READ_SIZE = 16 * 1024;

/**
 * Loads the certificate chain and key; null when `certFile` is empty.
 * @throws Error naming the file when it cannot be read or parsed
 */
export async function loadTlsContext(
  certFile: string,
  keyFile: string,
  names: TlsFileNames,
): Promise<TlsContext | null> {
  if (certFile === "") return null;
  const read = async (path: string, what: string) => {
    try {
      return await Deno.readTextFile(path);
    } catch (e) {
      throw new Error(`cannot read ${what} "${path}": ${(e as Error).message}`);
    }
  };
  const cert = await read(certFile, names.cert);
  const key = await read(keyFile || certFile, names.key);
  try {
    return tls.createSecureContext({ cert, key });
  } catch (e) {
    throw new Error(
      `cannot use TLS certificate "${certFile}" with key "${keyFile}": ${
        (e as Error).message
      }`,
    );
  }
}

/**
 * Runs a server-side TLS handshake over `stream`.
 * @returns the encrypted session as a stream of plaintext bytes; closing
 *   it closes `stream`
 * @throws Error when the handshake fails or takes longer than `timeoutMs`
 */
export function startServerTls(
  stream: ByteStream,
  context: TlsContext,
  timeoutMs: number,
): Promise<ByteStream> {
  const socket = new tls.TLSSocket(duplexOf(stream), {
    isServer: true,
    secureContext: context,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error("handshake timed out")),
      timeoutMs,
    );
    const fail = (e: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.once("error", fail);
    socket.once(
      "close",
      () => fail(new Error("connection closed in handshake")),
    );
    socket.once("secure", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.removeAllListeners("close");
      resolve(new TlsStream(socket));
    });
  });
}

/** A node Duplex over a ByteStream (what TLSSocket reads and writes). */
function duplexOf(stream: ByteStream): Duplex {
  return new Duplex({
    read() {
      const buffer = new Uint8Array(READ_SIZE);
      stream.read(buffer).then(
        (n) => this.push(n === null ? null : buffer.subarray(0, n)),
        (e) => this.destroy(e),
      );
    },
    write(chunk: Uint8Array, _encoding, done) {
      (async () => {
        for (let at = 0; at < chunk.length;) {
          at += await stream.write(chunk.subarray(at));
        }
      })().then(() => done(), done);
    },
    destroy(error, done) {
      try {
        stream.close();
      } catch {
        // Already closed.
      }
      done(error);
    },
  });
}

/** The decrypted side of a TLS session, as a ByteStream. */
class TlsStream implements ByteStream {
  readonly #socket: tls.TLSSocket;
  #pending: Uint8Array[] = [];
  #ended = false;
  #wake: (() => void) | null = null;

  constructor(socket: tls.TLSSocket) {
    this.#socket = socket;
    const wake = () => {
      this.#wake?.();
      this.#wake = null;
    };
    socket.on("data", (chunk: Buffer) => {
      this.#pending.push(chunk);
      socket.pause();
      wake();
    });
    const end = () => {
      this.#ended = true;
      wake();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#pending.length === 0) {
      if (this.#ended) return null;
      this.#socket.resume();
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const chunk = this.#pending[0];
    const n = Math.min(chunk.length, buffer.length);
    buffer.set(chunk.subarray(0, n));
    if (n < chunk.length) this.#pending[0] = chunk.subarray(n);
    else this.#pending.shift();
    return n;
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.#ended) return Promise.reject(new Error("TLS session closed"));
    // A copy: the caller reuses its buffer once the write resolves.
    const copy = Buffer.from(bytes);
    return new Promise((resolve, reject) => {
      this.#socket.write(copy, (e) => e ? reject(e) : resolve(bytes.length));
    });
  }

  close(): void {
    this.#ended = true;
    this.#socket.destroy();
    this.#wake?.();
  }
}
