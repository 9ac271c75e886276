/**
 * Test helpers that drive real third-party mail code: Python's smtplib to
 * send and Python's `mailbox` module to read what was delivered.
 */
import { fileURLToPath as fromFileUrl } from "node:url";

const SEND = fromFileUrl(new URL("./smtp_send.py", import.meta.url));
const READ = fromFileUrl(new URL("./mailbox_read.py", import.meta.url));

/** Outcome of one message sent with smtplib. */
export interface SendResult {
  readonly token: string;
  readonly code: number;
  readonly reply: string;
}

/** Options for `sendWithSmtplib`. */
export interface SendOptions {
  readonly count?: number;
  readonly threads?: number;
  /** The server's address (default 127.0.0.1). */
  readonly host?: string;
  readonly source?: string;
  readonly body?: string;
  readonly size?: number;
  /** One extra header field, `Name: value`. */
  readonly header?: string;
}

/** Sends messages with Python's smtplib; one result per message. */
export async function sendWithSmtplib(
  port: number,
  sender: string,
  recipients: readonly string[],
  options: SendOptions = {},
): Promise<SendResult[]> {
  const args = [SEND, String(port), sender, recipients.join(",")];
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined) args.push(`--${k}`, String(v));
  }
  const out = await new Deno.Command("python3", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`smtp_send.py: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout).trim().split("\n").filter(Boolean).map((l) =>
    JSON.parse(l)
  );
}

/** One message as Python's `mailbox` module reads it. */
export interface ReadMessage {
  readonly key: string;
  readonly subject: string;
  readonly message_id: string;
  readonly return_path: string | null;
  readonly delivered_to: string[] | null;
  readonly received: string[] | null;
  readonly from_line: string | null;
  readonly body: string | null;
}

/** Reads a Maildir or an mbox with Python's `mailbox` module. */
export async function readMailbox(
  kind: "maildir" | "mbox",
  path: string,
): Promise<ReadMessage[]> {
  const out = await new Deno.Command("python3", {
    args: [READ, kind, path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`mailbox_read.py: ${dec.decode(out.stderr)}`);
  }
  return JSON.parse(dec.decode(out.stdout));
}
