/**
 * `mailsrv deliver-file` — internal: append the message on standard input
 * to a file or Maildir, as the calling user.
 *
 * DESCRIPTION
 *   A root mailsrv delivers to files named in aliases, `.forward` and
 *   `:include:` lists by running this command as the target user through
 *   setpriv (`src/delivery/targets/file_target.ts`), so the kernel applies that
 *   user's permissions and nothing is written as root. It is not meant to
 *   be run by hand.
 *
 *     mailsrv deliver-file --sender=S --recipient=R --hostname=H
 *                          [--queue-id=ID] [--size-limit=N] -- PATH
 *
 *   PATH ending in `/` is a Maildir, `/dev/null` discards, anything else
 *   is an mbox file (locked, truncated back on failure). The content is
 *   streamed from standard input, LF line ends, as queued. `--size-limit`
 *   is mailbox_size_limit: a file that would grow past N bytes is left
 *   as it was and the mail bounced (5.2.2).
 *
 *   Exit status (sysexits(3)): 0 delivered; 75 EX_TEMPFAIL for a
 *   temporary failure; 73 EX_CANTCREAT for a permanent one; 64 EX_USAGE
 *   for a bad command line. On failure the last line on standard error is
 *   `X.Y.Z reason`, the RFC 3463 status and the reason for the maillog.
 */
import { writeFileTarget } from "../delivery/targets/file_target.ts";
import { mailboxLimit } from "../delivery/mailbox_limit.ts";
import { EX } from "../delivery/sysexits.ts";
import { DeliveryError, type DeliveryMessage } from "../delivery/types.ts";
import { type Command, UsageError } from "./command.ts";

/** The one message `deliver-file` delivers: standard input, read once. */
function stdinMessage(
  sender: string,
  recipient: string,
  queueId: string,
): DeliveryMessage {
  let opened = false;
  return {
    queueId,
    sender,
    recipient,
    arrivalTime: Date.now(),
    size: 0,
    content: () => {
      if (opened) {
        return Promise.reject(new Error("standard input was already read"));
      }
      opened = true;
      return Promise.resolve(Deno.stdin.readable);
    },
  };
}

/** A required string option. */
function required(
  values: Readonly<Record<string, string | boolean | string[]>>,
  name: string,
): string {
  const value = values[name];
  if (typeof value !== "string") {
    throw new UsageError(`option "--${name}" is required`);
  }
  return value;
}

/** `--size-limit=N`: a byte count, 0 or absent for no limit. */
function sizeLimitOption(value: string | boolean | string[] | undefined) {
  if (value === undefined) return 0;
  if (typeof value !== "string" || !/^\d{1,15}$/.test(value)) {
    throw new UsageError(
      `"--size-limit" must be a number of bytes, not "${String(value)}"`,
    );
  }
  return Number(value);
}

/** The `deliver-file` subcommand. */
export const deliverFileCommand: Command = {
  name: "deliver-file",
  summary:
    "internal: append a message from stdin to a file as the calling user",
  usage:
    "deliver-file --sender=ADDR --recipient=ADDR --hostname=NAME [--queue-id=ID] [--size-limit=BYTES] -- PATH",
  description:
    `Used by a root mailsrv to write mail for a file destination (/path or a
/path/ Maildir in an alias or .forward) with the target user's privileges.
Reads the message from standard input. Exits 0 when delivered, 75 for a
temporary failure and 73 for a permanent one; the last line on standard error
is then the enhanced status code and the reason.`,
  options: {
    sender: { type: "string" },
    recipient: { type: "string" },
    hostname: { type: "string" },
    "queue-id": { type: "string" },
    "size-limit": { type: "string" },
  },
  maxOperands: 1,
  async run(context) {
    if (context.operands.length !== 1) {
      throw new UsageError("exactly one PATH is required");
    }
    const path = context.operands[0];
    const sender = required(context.values, "sender");
    const recipient = required(context.values, "recipient");
    const hostname = required(context.values, "hostname");
    const queueId = context.values["queue-id"];
    const sizeLimit = sizeLimitOption(context.values["size-limit"]);
    const message = stdinMessage(
      sender,
      recipient,
      typeof queueId === "string" ? queueId : "from standard input",
    );
    try {
      await writeFileTarget(path, message, {
        hostname,
        sizeLimit: mailboxLimit("mailbox_size_limit", sizeLimit),
      });
      return EX.OK;
    } catch (error) {
      const failure = error instanceof DeliveryError
        ? error
        : new DeliveryError(
          `cannot deliver to file "${path}": ${String(error)}`,
          true,
          "4.3.0",
        );
      context.warn(`${failure.dsn} ${failure.message.replace(/\s+/g, " ")}`);
      return failure.temporary ? EX.TEMPFAIL : EX.CANTCREAT;
    }
  },
};
