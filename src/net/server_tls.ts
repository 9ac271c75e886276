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
 *   after the protocol's "go ahead" reply (POP3 STLS, SMTP
 *   STARTTLS), or stdin/stdout under inetd — and resolves to a
 *   `ByteStream` of the decrypted bytes. `Deno.startTls` is client-only,
 *   so this wraps the stream in a node Duplex and hands it to `node:tls`
 *   `TLSSocket` with `isServer`. Reads are pulled one at a time and the
 *   socket is paused while decrypted bytes wait, so a client cannot make
 *   the session buffer more than one TLS record ahead.
 *
 *   `loadTlsChainFiles` reads Postfix's `smtpd_tls_chain_files` form
 *   (key and chain in the same files). A handshake's protocol and cipher
 *   are on the stream it returns (`tls`), for logs and Received:.
 *
 *   Used by the pop3d and smtpd listeners and adapters. Needs --allow-read for the
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
import { Duplex } from "node:stream";
import type { ByteStream } from "./byte_stream.ts";
import { socketStream } from "./socket_stream.ts";

/** A loaded certificate and key, ready for handshakes. */
export type TlsContext = tls.SecureContext;

/** What a handshake agreed on, as Postfix logs it. */
export interface TlsSessionInfo {
  /** E.g. `TLSv1.3`. */
  readonly protocol: string;
  /** OpenSSL's name, e.g. `TLS_AES_256_GCM_SHA384`. */
  readonly cipher: string;
  /** Secret bits of the cipher, when its name tells (AES-256: 256). */
  readonly bits?: number;
}

/** The plaintext side of a server TLS session, and what it agreed on. */
export interface ServerTlsStream extends ByteStream {
  readonly tls: TlsSessionInfo;
}

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
 * Loads a key and its certificate chain from PEM files that each hold
 * both (Postfix's `smtpd_tls_chain_files`): every file's certificates, in
 * order, and the first private key.
 * @param parameter the parameter the files came from, for errors
 * @throws Error naming the file when one cannot be read or used
 */
export async function loadTlsChainFiles(
  files: readonly string[],
  parameter: string,
): Promise<TlsContext | null> {
  if (files.length === 0) return null;
  let pem = "";
  for (const file of files) {
    try {
      pem += (await Deno.readTextFile(file)) + "\n";
    } catch (e) {
      throw new Error(
        `cannot read ${parameter} "${file}": ${(e as Error).message}`,
      );
    }
  }
  const key = pem.match(
    /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/,
  )?.[0];
  const cert = pem.match(
    /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g,
  );
  if (key === undefined || cert === null) {
    throw new Error(
      `${parameter} "${
        files.join(", ")
      }" must hold a private key and its certificate`,
    );
  }
  try {
    return tls.createSecureContext({ cert: cert.join("\n"), key });
  } catch (e) {
    throw new Error(
      `cannot use ${parameter} "${files.join(", ")}": ${(e as Error).message}`,
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
): Promise<ServerTlsStream> {
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
    const closed = () => fail(new Error("connection closed in handshake"));
    socket.once("error", fail);
    // A client gone before its hello ends the stream without a close.
    socket.once("end", closed);
    socket.once("close", closed);
    socket.once("secure", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.removeAllListeners("end");
      socket.removeAllListeners("close");
      resolve(tlsStream(socket));
    });
  });
}

/** The protocol and cipher a finished handshake agreed on. */
function sessionInfo(socket: tls.TLSSocket): TlsSessionInfo {
  const cipher = socket.getCipher()?.name ?? "unknown";
  const bits = /AES_?256|CHACHA20/.test(cipher)
    ? 256
    : /AES_?128/.test(cipher)
    ? 128
    : undefined;
  return {
    protocol: socket.getProtocol() ?? "unknown",
    cipher,
    ...(bits === undefined ? {} : { bits }),
  };
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

/**
 * The decrypted side of a TLS session, as a ByteStream: the socket
 * stream every server connection over a node socket uses, plus what the
 * handshake agreed.
 */
function tlsStream(socket: tls.TLSSocket): ServerTlsStream {
  const stream = socketStream(socket);
  return {
    tls: sessionInfo(socket),
    read: (buffer) => stream.read(buffer),
    write: (bytes) => stream.write(bytes),
    close: () => stream.close(),
  };
}
