/**
 * `mailsrv postconf` — Postfix's postconf(1) for mailsrv's TOML file.
 *
 * DESCRIPTION
 *   With no operands, prints every parameter in effect (`name = value`,
 *   sorted, then the listeners); `-n` only those set in the file, `-d` the
 *   defaults, `-x` with `$name` expanded; operands select parameters.
 *   `-e NAME=VALUE…` edits the file in place, keeping comments; an edit
 *   that would make the file invalid is refused and the file untouched.
 *   A parameter that has no effect in mailsrv, when set or named, gets a
 *   warning on standard error saying why.
 */
import { type Command, EXIT, UsageError } from "./command.ts";
import { DEFAULT_CONFIG_FILE, loadConfigAndView } from "../config/load.ts";
import { editConfigFile, renderParameters } from "../config/postconf.ts";
import { noEffectWarnings } from "../config/no_effect.ts";

/** Splits `NAME=VALUE` operands for `-e`. */
function parseEdits(operands: readonly string[]): Array<[string, string]> {
  if (operands.length === 0) throw new UsageError("-e needs NAME=VALUE");
  return operands.map((operand) => {
    const eq = operand.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(`"${operand}" is not of the form NAME=VALUE`);
    }
    return [operand.slice(0, eq).trim(), operand.slice(eq + 1).trim()];
  });
}

/** The `postconf` subcommand. */
export const postconfCommand: Command = {
  name: "postconf",
  summary: "show or edit configuration parameters",
  usage: "postconf [--config PATH] [-n | -d] [-x] [NAME...] | -e NAME=VALUE...",
  description:
    `Prints configuration parameters as Postfix's postconf does: all of them with
their values in effect, or only the NAMEs given.
  -n  only parameters set in the configuration file
  -d  default values
  -x  expand $name references
  -e  edit the configuration file: set each NAME to VALUE, keeping comments
      and layout; the result is validated before the file is replaced.`,
  options: {
    "non-default": { type: "boolean", short: "n" },
    defaults: { type: "boolean", short: "d" },
    expand: { type: "boolean", short: "x" },
    edit: { type: "boolean", short: "e" },
  },
  maxOperands: Infinity,
  async run(context) {
    if (context.values.edit) {
      const edits = parseEdits(context.operands);
      const path = context.configPath ?? DEFAULT_CONFIG_FILE;
      await editConfigFile(path, edits);
      return EXIT.ok;
    }
    const { view } = await loadConfigAndView({ path: context.configPath });
    context.print(renderParameters(view, {
      nonDefault: Boolean(context.values["non-default"]),
      defaults: Boolean(context.values.defaults),
      expand: Boolean(context.values.expand),
      names: context.operands.length ? context.operands : undefined,
    }));
    for (const notice of noEffectWarnings(view, context.operands)) {
      context.warn(`mailsrv: warning: ${notice}`);
    }
    return EXIT.ok;
  },
};
