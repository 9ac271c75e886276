/**
 * The SRS secrets: read from `srs_secret_file` and checked.
 *
 * DESCRIPTION
 *   The file holds one secret per line, as postsrsd's does: the first
 *   signs new addresses, all of them verify returning ones, so a secret
 *   is rotated by adding the new one as the first line and removing the
 *   old one once its addresses have expired (21 days). A line is taken
 *   as it is (up to a CR or LF), spaces included; empty lines are
 *   skipped. The same file serves mailsrv and postsrsd.
 *
 *   Anyone who knows a secret can make addresses that mailsrv relays, so
 *   a file that other users can read is refused, as DKIM keys are, and so
 *   is a file with no secret in it. Each refusal is one sentence naming
 *   the file.
 *
 *   Used by the start-up and reload checks, `mailsrv check`, smtpd (the
 *   reverse, at RCPT) and the queue's resubmission (the forward). Needs
 *   --allow-read on the file.
 */
import { readPrivateFile } from "../common/private_file.ts";

/** Why the secret file cannot be used; the message names the file. */
export class SrsSecretError extends Error {
  /** @param message one sentence naming the file */
  constructor(message: string) {
    super(message);
    this.name = "SrsSecretError";
  }
}

/** The secrets of a file's text, in order (see the module comment). */
export function parseSrsSecrets(text: string): string[] {
  return text.split("\n")
    .map((line) => line.split("\r")[0])
    .filter((line) => line !== "");
}

/**
 * Reads and checks the secret file at `path`.
 * @returns the secrets, the signing one first
 * @throws SrsSecretError naming the file and the problem
 */
export function readSrsSecrets(path: string): string[] {
  const file = readPrivateFile(path, "SRS secret file");
  if ("problem" in file) throw new SrsSecretError(file.problem);
  const text = file.text;
  const secrets = parseSrsSecrets(text);
  if (secrets.length === 0) {
    throw new SrsSecretError(`SRS secret file "${path}" holds no secret`);
  }
  return secrets;
}
