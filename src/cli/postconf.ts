/**
 * `mailsrv postconf` — Postfix's postconf(1) for mailsrv's TOML file.
 *
 * DESCRIPTION
 *   With no operands, prints every parameter in effect (`name = value`,
 *   sorted, then the listeners); `-n` only those set in the file, `-d` the
 *   defaults, `-x` with `$name` expanded, `-h` the values alone; operands
 *   select parameters. An operand that names no parameter gets Postfix's
 *   `postconf: warning: NAME: unknown parameter` on standard error and
 *   the others are shown; the exit status stays 0, as Postfix's.
 *   `-M` shows the listeners as master.cf lines, `-m` the lookup table
 *   types, `-l` the mailbox lock methods.
 *   `-e NAME=VALUE…` edits the file in place, keeping comments; `-X NAME…`
 *   removes parameters, `-# NAME…` comments them out; an edit that would
 *   make the file invalid is refused and the file untouched.
 *   A parameter that has no effect in mailsrv, when set or named, gets a
 *   warning on standard error saying why.
 */
import { type Command, EXIT, UsageError } from "./command.ts";
import { DEFAULT_CONFIG_FILE, loadConfigAndView } from "../config/load.ts";
import {
  editConfigFile,
  renderMasterCf,
  renderParameters,
  unknownParameterNames,
} from "../config/postconf.ts";
import { removeParameters } from "../config/remove_parameters.ts";
import { noEffectWarnings } from "../config/no_effect.ts";
import { MAP_TYPES } from "../maps/mod.ts";
import { MBOX_LOCK_METHODS } from "../fs/mbox_lock.ts";

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

/** Options that print something other than parameters; at most one. */
const MODES = ["edit", "remove", "comment", "master", "maps", "locks"];

/** The `postconf` subcommand. */
export const postconfCommand: Command = {
  name: "postconf",
  summary: "show or edit configuration parameters",
  usage:
    "postconf [--config PATH] [-n | -d] [-h] [-x] [NAME...] | -e NAME=VALUE... | -X NAME... | -# NAME... | -M [SERVICE...] | -m | -l",
  description:
    `Prints configuration parameters as Postfix's postconf does: all of them with
their values in effect, or only the NAMEs given. A NAME that is no parameter
gets "postconf: warning: NAME: unknown parameter" on stderr.
  -n  only parameters set in the configuration file
  -d  default values
  -h  values only, without "name = "
  -x  expand $name references
  -e  edit the configuration file: set each NAME to VALUE, keeping comments
      and layout; the result is validated before the file is replaced
  -X  remove each NAME from the configuration file
  -#  comment out each NAME in the configuration file
  -M  the listeners as master.cf service lines ([[listener]] tables and
      their options as -o overrides); with -n those in the file, -d the
      default ones; SERVICE selects lines by name (smtp, 127.0.0.1:10026)
  -m  the lookup table types mailsrv reads
  -l  the locks taken on mbox files (always all of them)
Use "--help" for this text: -h means values only here.`,
  options: {
    // -h is Postfix's "values only" here; --help still shows the help.
    help: { type: "boolean" },
    "non-default": { type: "boolean", short: "n" },
    defaults: { type: "boolean", short: "d" },
    expand: { type: "boolean", short: "x" },
    "values-only": { type: "boolean", short: "h" },
    edit: { type: "boolean", short: "e" },
    remove: { type: "boolean", short: "X" },
    comment: { type: "boolean", short: "#" },
    master: { type: "boolean", short: "M" },
    maps: { type: "boolean", short: "m" },
    locks: { type: "boolean", short: "l" },
  },
  maxOperands: Infinity,
  async run(context) {
    const modes = MODES.filter((mode) => context.values[mode]);
    if (modes.length > 1) {
      throw new UsageError(
        `options ${
          modes.map((m) => `--${m}`).join(" and ")
        } exclude each other`,
      );
    }
    const path = context.configPath ?? DEFAULT_CONFIG_FILE;
    switch (modes[0]) {
      case "edit":
        await editConfigFile(path, parseEdits(context.operands));
        return EXIT.ok;
      case "remove":
      case "comment":
        if (context.operands.length === 0) {
          throw new UsageError(
            `-${modes[0] === "remove" ? "X" : "#"} needs NAME`,
          );
        }
        warnUnknown(context.operands, context.warn);
        await removeParameters(path, context.operands, modes[0]);
        return EXIT.ok;
      case "maps":
        context.print([...MAP_TYPES].sort().map((t) => `${t}\n`).join(""));
        return EXIT.ok;
      case "locks":
        context.print(MBOX_LOCK_METHODS.map((m) => `${m}\n`).join(""));
        return EXIT.ok;
    }
    const { view } = await loadConfigAndView({ path: context.configPath });
    const options = {
      nonDefault: Boolean(context.values["non-default"]),
      defaults: Boolean(context.values.defaults),
      expand: Boolean(context.values.expand),
      valuesOnly: Boolean(context.values["values-only"]),
    };
    if (modes[0] === "master") {
      context.print(renderMasterCf(view, {
        ...options,
        names: context.operands.length ? context.operands : undefined,
      }));
      return EXIT.ok;
    }
    const unknown = warnUnknown(context.operands, context.warn);
    const names = context.operands.filter((name) => !unknown.includes(name));
    if (context.operands.length === 0 || names.length > 0) {
      context.print(renderParameters(view, {
        ...options,
        names: context.operands.length ? names : undefined,
      }));
    }
    for (const notice of noEffectWarnings(view, names)) {
      context.warn(`mailsrv: warning: ${notice}`);
    }
    return EXIT.ok;
  },
};

/** Warns about each name that is no parameter, as Postfix does; returns them. */
function warnUnknown(
  names: readonly string[],
  warn: (text: string) => void,
): string[] {
  const unknown = unknownParameterNames(names);
  for (const name of unknown) {
    warn(`postconf: warning: ${name}: unknown parameter`);
  }
  return unknown;
}
