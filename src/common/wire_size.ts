/**
 * The wire size of a message: its octets as POP3 (RFC 1939) and IMAP
 * count them, with every line ending a CRLF.
 *
 * DESCRIPTION
 *   Messages are stored with bare LF line ends; each one becomes CRLF on
 *   the wire, so counts one octet more. The counter takes the bytes in
 *   chunks of any size (a CR at the end of one chunk and the LF at the
 *   start of the next are one CRLF).
 *
 *   Used by Maildir delivery, which writes the figure into the file name
 *   (`,W=`, as Courier and Dovecot do) so that POP3 never opens a file to
 *   size it, and by pop3d for files delivered without it. Pure.
 */

const CR = 0x0d;
const LF = 0x0a;

/** Counts the wire size of bytes given in chunks. */
export class WireSizeCounter {
  #size = 0;
  #previous = -1;

  /** The wire size of all the bytes given so far. */
  get size(): number {
    return this.#size;
  }

  /** Counts the next chunk. */
  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#size += bytes.length;
    for (
      let lf = bytes.indexOf(LF);
      lf !== -1;
      lf = bytes.indexOf(LF, lf + 1)
    ) {
      if ((lf > 0 ? bytes[lf - 1] : this.#previous) !== CR) this.#size++;
    }
    this.#previous = bytes[bytes.length - 1];
  }
}
