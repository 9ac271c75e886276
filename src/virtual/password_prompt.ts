/**
 * Reads a new POP3 password for `mailsrv user add|passwd`.
 *
 * DESCRIPTION
 *   From a terminal: the prompt goes to standard error, echo is off (raw
 *   mode), the password is asked twice and must match; Ctrl-C or Ctrl-D
 *   cancels. With `--password-stdin`: the first line of standard input
 *   (a trailing CR is dropped), for scripts. Never from the command line,
 *   where `ps` and shell histories would show it.
 *
 *   An empty password, or one longer than bcrypt's 72 octets (the rest
 *   would be ignored silently), is refused.
 *
 *   Used by the CLI only. Reads standard input; needs no permissions.
 *
 *   Does NOT hash (see `pop3/password_hash.ts`).
 */
import { AdminError } from "./admin_error.ts";

/** Where the password comes from. */
export interface PasswordSource {
  /** The first line of standard input, rather than a terminal prompt. */
  readonly fromStdin: boolean;
}

/** bcrypt uses the first 72 octets only. */
const MAX_PASSWORD_OCTETS = 72;
/** Input read while looking for the end of the first line. */
const MAX_LINE_OCTETS = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The new password.
 * @throws AdminError when there is none, the two entries differ, or there
 *   is no terminal to ask on
 */
export async function readNewPassword(
  source: PasswordSource,
): Promise<string> {
  const password = source.fromStdin
    ? await firstLine(Deno.stdin)
    : await askTwice();
  return checkPassword(password);
}

/** Refuses empty and over-long passwords; returns the password. */
export function checkPassword(password: string): string {
  if (password === "") throw new AdminError("empty password refused");
  if (encoder.encode(password).length > MAX_PASSWORD_OCTETS) {
    throw new AdminError(
      `password longer than ${MAX_PASSWORD_OCTETS} bytes refused (bcrypt ignores the rest)`,
    );
  }
  return password;
}

/**
 * The first line of `input`, without its line end; reads no further than
 * the line (and at most 4096 bytes).
 */
export async function firstLine(
  input: { read(buffer: Uint8Array): Promise<number | null> },
): Promise<string> {
  const line = new Uint8Array(MAX_LINE_OCTETS);
  let length = 0;
  while (length < line.length) {
    const n = await input.read(line.subarray(length));
    if (n === null) break;
    const newline = line.subarray(length, length + n).indexOf(0x0a);
    if (newline >= 0) {
      length += newline;
      break;
    }
    length += n;
  }
  return decoder.decode(line.subarray(0, length)).replace(/\r$/, "");
}

async function askTwice(): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    throw new AdminError(
      "standard input is not a terminal: give the password with --password-stdin",
    );
  }
  const first = await promptHidden("New password: ");
  const second = await promptHidden("Retype new password: ");
  if (first !== second) throw new AdminError("passwords do not match");
  return first;
}

/** Asks on the terminal with echo off; Ctrl-C / Ctrl-D cancel. */
async function promptHidden(prompt: string): Promise<string> {
  await Deno.stderr.write(encoder.encode(prompt));
  Deno.stdin.setRaw(true);
  const typed: number[] = [];
  const buffer = new Uint8Array(64);
  try {
    for (;;) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) throw new AdminError("no password given");
      for (const byte of buffer.subarray(0, n)) {
        if (byte === 0x0d || byte === 0x0a) {
          return decoder.decode(new Uint8Array(typed));
        }
        if (byte === 0x03 || byte === 0x04) {
          throw new AdminError("password entry cancelled");
        }
        if (byte === 0x7f || byte === 0x08) eraseCharacter(typed);
        else if (typed.length < MAX_LINE_OCTETS) typed.push(byte);
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(encoder.encode("\n"));
  }
}

/** Backspace: drops the last character, all of its UTF-8 bytes. */
function eraseCharacter(typed: number[]): void {
  let byte = typed.pop();
  // Continuation bytes (10xxxxxx) go with their lead byte.
  while (byte !== undefined && (byte & 0xc0) === 0x80) byte = typed.pop();
}
