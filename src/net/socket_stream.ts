/**
 * A node:net socket as the byte stream a server session reads and writes.
 *
 * DESCRIPTION
 *   `socketStream` turns a connected `node:net` `Socket` (event-driven)
 *   into the pull-style stream the smtpd and pop3d adapters use: `read`
 *   gives the bytes that arrived, one chunk at a time, `write` resolves
 *   once the bytes are handed to the kernel, `close` destroys the socket.
 *   The socket is paused while a chunk waits to be read, so a client
 *   cannot make the session buffer more than one chunk ahead.
 *
 *   Used for the TCP connection an inetd-style super-server hands over on
 *   standard input (`stdin_socket.ts`); `Deno.Conn` needs no such wrapper.
 *   Needs no permissions of its own.
 *
 *   Does NOT time out (the session's I/O deadline does) or frame lines.
 */
import { Buffer } from "node:buffer";
import type net from "node:net";

/** What a session talks over (the shape of pop3d's and smtpd's stream). */
export interface SocketByteStream {
  /** Reads into `buffer`; the number of bytes read, or null at EOF. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes all of `bytes`; the number written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the socket; a pending read then returns null. */
  close(): void;
}

/** Wraps a connected socket; reading starts paused until the first read. */
export function socketStream(socket: net.Socket): SocketByteStream {
  return new SocketStream(socket);
}

class SocketStream implements SocketByteStream {
  readonly #socket: net.Socket;
  #pending: Uint8Array[] = [];
  #ended = false;
  #wake: (() => void) | null = null;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.pause();
    socket.on("data", (chunk: Buffer) => {
      this.#pending.push(chunk);
      socket.pause();
      this.#wakeReader();
    });
    const end = () => {
      this.#ended = true;
      this.#wakeReader();
    };
    socket.on("end", end);
    socket.on("close", end);
    // A reset or EPIPE: the next read sees EOF, a write fails.
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
    if (this.#socket.destroyed || !this.#socket.writable) {
      return Promise.reject(new Error("connection closed"));
    }
    // A copy: the caller reuses its buffer once the write resolves.
    const copy = Buffer.from(bytes);
    return new Promise((resolve, reject) => {
      this.#socket.write(copy, (e) => e ? reject(e) : resolve(bytes.length));
    });
  }

  close(): void {
    this.#ended = true;
    this.#socket.destroy();
    this.#wakeReader();
  }

  #wakeReader(): void {
    this.#wake?.();
    this.#wake = null;
  }
}
