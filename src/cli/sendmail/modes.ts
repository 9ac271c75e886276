/**
 * The modes of `sendmail` that submit, verify, check aliases or flush.
 *
 * DESCRIPTION
 *   sendmail.ts parses the command line and runs the listing (`-bp`,
 *   `mailq`) itself; it loads this module for every other mode, so that
 *   `mailq` does not load the submission path, the SMTP session of `-bs`
 *   or the router of `-bv`.
 */
import { loadConfig } from "../../config/load.ts";
import type { Config } from "../../config/types.ts";
import { EX } from "../../delivery/sysexits.ts";
import type { CommandContext } from "../command.ts";
import { flushCommand } from "../flush.ts";
import { checkAliasFiles, newaliasesCommand } from "../newaliases.ts";
import { describeUserError } from "../user_error.ts";
import { programName } from "../invoked_as.ts";
import { notifyPickup, submitMessage } from "./local_submission.ts";
import {
  SendmailError,
  type SendmailMode,
  type SendmailOptions,
} from "./options.ts";
import { runStandAloneSession } from "./stand_alone.ts";
import { submitter } from "./submitter.ts";
import { verifyRecipients } from "./verify.ts";

async function configOf(context: CommandContext): Promise<Config> {
  try {
    return await loadConfig({ path: context.configPath });
  } catch (error) {
    const mistake = describeUserError(error);
    if (mistake === undefined) throw error;
    throw new SendmailError(EX.TEMPFAIL, mistake);
  }
}

/** Runs every mode of sendmail but the listing (`-bp`). */
export async function runSubmissionMode(
  options: SendmailOptions & { readonly mode: Exclude<SendmailMode, "mailq"> },
  context: CommandContext,
): Promise<number> {
  switch (options.mode) {
    case "newaliases":
      if (options.aliasFile !== undefined) {
        return await checkAliasFiles([`hash:${options.aliasFile}`], context);
      }
      return await newaliasesCommand.run({
        ...context,
        values: {},
        operands: [],
      });
    case "flush":
      return await flushCommand.run({
        ...context,
        operands: [],
        values: options.flushSite === undefined
          ? {}
          : { site: options.flushSite },
      });
    case "ignore":
      return EX.OK;
    case "daemon":
      throw new SendmailError(
        EX.USAGE,
        'daemon mode is not run through sendmail; use "mailsrv start"',
      );
    case "stand-alone":
      return await runStandAloneSession(await configOf(context));
    case "verify":
      return await verifyRecipients(
        await configOf(context),
        options.recipients,
        context.print,
      );
    case "enqueue": {
      const config = await configOf(context);
      const id = await submitMessage({
        config,
        options,
        user: await submitter(),
        input: Deno.stdin.readable,
      });
      await notifyPickup(config.queue_directory);
      if (options.verbose) context.warn(`${programName()}: ${id}: queued`);
      return EX.OK;
    }
  }
}
