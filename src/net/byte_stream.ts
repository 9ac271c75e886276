/**
 * The byte stream a server session talks over.
 *
 * DESCRIPTION
 *   `ByteStream` is what the smtpd and pop3d adapters read from and write
 *   to: a `Deno.Conn`, the decrypted side of a TLS session
 *   (`server_tls.ts`), or stdin/stdout under inetd and `sendmail -bs`.
 *   Keeping it this small lets one TLS upgrade and one test fake serve
 *   every protocol.
 *
 *   Does NOT buffer, time out or frame lines: the line reader and the
 *   I/O deadline do that.
 */

/** A byte stream a session talks over: a `Deno.Conn`, TLS, or a pair of pipes. */
export interface ByteStream {
  /** Reads into `buffer`; the number of bytes read, or null at EOF. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes some of `bytes`; the number written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the stream; a pending read then fails or returns null. */
  close(): void;
}
