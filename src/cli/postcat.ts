/**
 * `mailsrv postcat -q ID` — Postfix's postcat flags for `mailsrv queue
 * show`: -q (required: mailsrv finds messages by queue ID only), -e
 * envelope, -h header, -b body, in any combination.
 *
 * DESCRIPTION
 *   Parsed here because postcat's -h is "header", not "help".
 */
import { type Command, UsageError } from "./command.ts";
import { configFor } from "./daemon_client.ts";
import { runShow } from "./queue_inspect.ts";

/** Postfix-style getopt for "behqc:". */
export function parsePostcatArgs(args: readonly string[]): {
  values: Record<string, string | boolean | string[]>;
  operands: string[];
} {
  const values: Record<string, string | boolean | string[]> = {};
  const operands: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help") {
      values.help = true;
      continue;
    }
    if (arg === "--config" || arg.startsWith("--config=")) {
      values.config = arg === "--config" ? args[++i] : arg.slice(9);
      if (values.config === undefined) {
        throw new UsageError(`option "--config" needs a path`);
      }
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      // GNU getopt order: options may follow operands.
      operands.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const flag = arg[j];
      if (flag === "c") {
        values.config = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (values.config === undefined) {
          throw new UsageError(`option "-c" needs a value`);
        }
        break;
      }
      if (flag === "q") values.queue = true;
      else if (flag === "e") values.envelope = true;
      else if (flag === "h") values.headers = true;
      else if (flag === "b") values.body = true;
      else throw new UsageError(`unknown option "-${flag}"`);
    }
  }
  return { values, operands };
}

/** The `postcat` subcommand. */
export const postcatCommand: Command = {
  name: "postcat",
  summary: "show a queued message (postcat -q)",
  usage: "postcat -q [-e] [-h] [-b] ID…",
  description:
    `Shows queued messages by queue ID as "mailsrv queue show" does: -e the
envelope, -h the header, -b the body; all three when none is given. -q must
be given (mailsrv looks messages up by queue ID only). Use --help for this
text (-h is the header).`,
  options: {},
  maxOperands: Infinity,
  parse: parsePostcatArgs,
  async run(context) {
    if (context.values.queue !== true) {
      throw new UsageError("only -q (look up queue IDs) is supported");
    }
    if (context.operands.length === 0) {
      throw new UsageError("expected a queue ID");
    }
    const config = await configFor(context);
    let code = 0;
    for (const id of context.operands) {
      code = Math.max(
        code,
        await runShow(config, id, {
          envelope: context.values.envelope === true,
          headers: context.values.headers === true,
          body: context.values.body === true,
        }, context),
      );
    }
    return code;
  },
};
