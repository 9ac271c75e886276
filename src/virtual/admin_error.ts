/**
 * The error of a virtual-user administration request that cannot be done.
 *
 * DESCRIPTION
 *   `mailsrv domain` and `mailsrv user` refuse a request (a duplicate
 *   user, a bad name, a domains file the configuration does not name) by
 *   throwing `AdminError`; the command prints its message as
 *   `mailsrv: error: …` and exits 1. Any other exception is a bug or an
 *   I/O failure and keeps its own message.
 *
 *   Does NOT carry exit codes or usage text (see `cli/command.ts`).
 */

/** A refused administration request; the message is for the administrator. */
export class AdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdminError";
  }
}
