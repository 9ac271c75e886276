/**
 * `mailsrv sendmail` — the Sendmail-compatible submission command
 * (Postfix sendmail(1)); also what the binary does when invoked as
 * `sendmail`, `mailq` or `newaliases` (invoked_as.ts).
 *
 * DESCRIPTION
 *   Takes Postfix's sendmail command line (sendmail/options.ts) and does
 *   what its mode says:
 *
 *     -bm (default)  reads a message on standard input and queues it in
 *                    maildrop/ (sendmail/local_submission.ts); a running
 *                    daemon is told to pick it up, a stopped one picks it
 *                    up when it starts
 *     -bs            an SMTP session on stdin/stdout (sendmail/stand_alone.ts)
 *     -bv            prints what would become of each recipient
 *                    (sendmail/verify.ts)
 *     -bp, mailq     `mailsrv queue`
 *     -bi, -I, newaliases   `mailsrv newaliases` (`-oAFILE`: that file)
 *     -q, -qRsite    `mailsrv flush` (`--site`)
 *     -bh, -bH, -qINTERVAL  nothing, successfully
 *
 *   Errors are one line `sendmail: fatal: …` on standard error (the
 *   name invoked by: `mailsrv: fatal: …` as `mailsrv sendmail`) and a
 *   sysexits(3) status, as mail programs expect: EX_USAGE (64) a bad
 *   command line, EX_DATAERR (65) a bad address, EX_TEMPFAIL (75) when
 *   the configuration cannot be read or the queue written (Postfix's
 *   sendmail exits 75 on any unexpected failure, so the mail program
 *   keeps the message and tries again).
 */
import { join } from "node:path";
import { EX } from "../delivery/sysexits.ts";
import type { Command, CommandContext } from "./command.ts";
import { queueCommand } from "./queue.ts";
import { describeUserError } from "./user_error.ts";
import { programName } from "./invoked_as.ts";
import {
  parseSendmailArgs,
  SendmailError,
  type SendmailOptions,
} from "./sendmail/options.ts";

/** `-C`: a configuration file, or a directory holding mailsrv.toml. */
function configPathOf(given: string): string {
  try {
    if (Deno.statSync(given).isDirectory) return join(given, "mailsrv.toml");
  } catch {
    // Not there: loading it says so.
  }
  return given;
}

/**
 * Runs the mode: the listing here, every other mode from modes.ts,
 * loaded only then, so `mailq` costs what `mailsrv queue` does.
 */
async function runMode(
  options: SendmailOptions,
  context: CommandContext,
): Promise<number> {
  const { mode } = options;
  if (mode === "mailq") {
    return await queueCommand.run({ ...context, values: {}, operands: [] });
  }
  const { runSubmissionMode } = await import("./sendmail/modes.ts");
  return await runSubmissionMode({ ...options, mode }, context);
}

/** The `sendmail` subcommand. */
export const sendmailCommand: Command = {
  name: "sendmail",
  summary: "submit mail as /usr/sbin/sendmail does (also mailq, newaliases)",
  usage: "sendmail [-t] [-i] [-f SENDER] [-F NAME] [-N DSN] [-R RET] " +
    "[-B TYPE] [-V ENVID] [-C CONFIG] [-bm|-bs|-bv|-bp|-bi|-q] " +
    "[RECIPIENT...]",
  description:
    `The Sendmail-compatible interface mail programs call (Postfix sendmail(1)).
Link the binary as /usr/sbin/sendmail, /usr/bin/mailq and /usr/bin/newaliases
and it acts as each (see README). The message is read from standard input and
queued in maildrop/, so submission works while the daemon is stopped; the
daemon picks the message up at once when it runs, else when it starts.

  -t            also take recipients from To:, Cc: and Bcc: (Bcc: is removed)
  -f SENDER     envelope sender (also -fSENDER, -r SENDER); default: login name
  -F NAME       full name for the From: header added when there is none
  -i, -oi       a line with only "." does not end the message
  -N DSN        NOTIFY: never, or success,failure,delay
  -R hdrs|full  RET: how much of the message a notice returns
  -B 8BITMIME|7BIT   body type
  -V ENVID      DSN envelope ID
  -C CONFIG     configuration file (or a directory holding mailsrv.toml)
  -v            say the queue ID on standard error
  -bm           deliver mail (the default)
  -bs           an SMTP session on standard input and output (client
                localhost, trusted as mynetworks)
  -bv           verify the recipients: print for each what would become of
                it (Postfix mails this report; mailsrv prints it here)
  -bp           list the queue (= mailq, mailsrv queue)
  -bi, -I       check the alias files (= newaliases)
  -q, -qRSITE   deliver deferred mail now (= mailsrv flush [--site SITE])
  -oX...        Sendmail options, ignored as Postfix ignores them

Missing From:, Date: and Message-Id: headers are added, with a Received:
header naming the user ID, as Postfix's cleanup does. Exit status: 0 queued,
64 usage error, 65 bad address, 66 input unreadable, 69 message larger than
message_size_limit, 75 configuration or queue unusable (try again later).`,
  options: {},
  rawArguments: true,
  async run(context) {
    let options: SendmailOptions;
    try {
      options = parseSendmailArgs(context.operands);
      for (const warning of options.warnings) {
        context.warn(`${programName()}: warning: ${warning}`);
      }
      const configPath = options.configPath === undefined
        ? context.configPath
        : configPathOf(options.configPath);
      return await runMode(options, { ...context, configPath });
    } catch (error) {
      if (error instanceof SendmailError) {
        context.warn(`${programName()}: fatal: ${error.message}`);
        return error.exitCode;
      }
      const mistake = describeUserError(error);
      if (mistake === undefined) throw error;
      context.warn(`${programName()}: fatal: ${mistake}`);
      return EX.TEMPFAIL;
    }
  },
};
