/**
 * Running one command line: the first pass of argument parsing, and the
 * one-line report of a user's mistake.
 *
 * DESCRIPTION
 *   `mailsrv [--config PATH] COMMAND [ARGS…]`: options before the command
 *   are global; the rest belongs to the command (second pass, in
 *   command.ts). Errors a user can cause — a bad command line, a broken
 *   configuration, a daemon that is not running — are printed as one clear
 *   message; only bugs print a stack.
 *
 *   Takes the command table as an argument and imports no command, so an
 *   entry point that needs few commands (light_main.ts) loads only
 *   those. Used by main.ts (the whole table) and light_main.ts.
 */
import {
  type Command,
  type CommandContext,
  EXIT,
  parseCommandArgs,
  UsageError,
} from "./command.ts";
import { commandHelp, overview } from "./help.ts";
import { describeUserError } from "./user_error.ts";
import { VERSION } from "../version.ts";
import { writeAllSync } from "../fs/write_all.ts";

/** Where the CLI writes; tests pass collectors. */
export interface CliOutput {
  print(text: string): void;
  warn(text: string): void;
}

const encoder = new TextEncoder();
const STDIO: CliOutput = {
  // A pipe to a slow reader takes part of a long listing at a time.
  print: (text) => writeAllSync(Deno.stdout, encoder.encode(text)),
  warn: (text) =>
    writeAllSync(
      Deno.stderr,
      encoder.encode(text.endsWith("\n") ? text : text + "\n"),
    ),
};

/** Splits global options from the command name and its arguments. */
export function firstPass(argv: readonly string[]): {
  configPath?: string;
  help: boolean;
  version: boolean;
  name?: string;
  rest: string[];
} {
  let configPath: string | undefined;
  let help = false;
  let version = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--config" || arg === "-c") {
      if (i + 1 >= argv.length) {
        throw new UsageError(`option "${arg}" needs a path`);
      }
      configPath = argv[++i];
    } else if (arg.startsWith("--config=")) configPath = arg.slice(9);
    else if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--version" || arg === "-V") version = true;
    else if (arg.startsWith("-")) {
      throw new UsageError(`unknown option "${arg}"`);
    } else break;
  }
  return { configPath, help, version, name: argv[i], rest: argv.slice(i + 1) };
}

/** The commands main.ts starts without the whole command table. */
export const LIGHT_COMMANDS = ["queue", "sendmail", "run", "pop3"] as const;

/** One of LIGHT_COMMANDS. */
export type LightCommand = typeof LIGHT_COMMANDS[number];

/**
 * Whether a command line is one of LIGHT_COMMANDS (`queue`, `sendmail`,
 * which `mailq` becomes, `run` and `pop3`) without `--help` or `--version`:
 * main.ts then loads light_main.ts instead of the whole command table.
 * False for a command line the first pass refuses (the whole table
 * reports it).
 */
export function lightCommandLine(argv: readonly string[]): boolean {
  try {
    const first = firstPass(argv);
    return (LIGHT_COMMANDS as readonly (string | undefined)[]).includes(
      first.name,
    ) &&
      !first.help && !first.version;
  } catch {
    return false;
  }
}

/**
 * The arguments of a command that parses its own (`sendmail`): all
 * operands, unless `--help` comes before any `--`.
 */
function rawArguments(rest: readonly string[]): {
  values: Record<string, boolean>;
  operands: string[];
} {
  const options = rest.indexOf("--") < 0
    ? rest
    : rest.slice(0, rest.indexOf("--"));
  return options.includes("--help")
    ? { values: { help: true }, operands: [] }
    : { values: {}, operands: [...rest] };
}

/**
 * Runs a command line against `commands`.
 * @returns the process exit code
 */
export async function runCommandLine(
  argv: readonly string[],
  commands: readonly Command[],
  output: CliOutput = STDIO,
): Promise<number> {
  let command: Command | undefined;
  try {
    const first = firstPass(argv);
    if (first.version) {
      output.print(`mailsrv ${VERSION}\n`);
      return EXIT.ok;
    }
    if (!first.name) {
      output.print(overview(commands));
      return first.help ? EXIT.ok : EXIT.usage;
    }
    command = commands.find((c) => c.name === first.name);
    if (!command) {
      throw new UsageError(`unknown command "${first.name}"`);
    }
    const { values, operands } = command.rawArguments
      ? rawArguments(first.rest)
      : parseCommandArgs(command, first.rest);
    if (first.help || values.help) {
      output.print(commandHelp(command));
      return EXIT.ok;
    }
    const context: CommandContext = {
      values,
      operands,
      configPath: (values.config as string | undefined) ?? first.configPath,
      print: output.print,
      warn: output.warn,
    };
    return await command.run(context);
  } catch (e) {
    if (e instanceof UsageError) {
      // One line, as Postfix's "fatal: usage: ..." is.
      output.warn(
        `mailsrv: ${e.message}; ` +
          (command
            ? `usage: mailsrv ${command.usage}`
            : `run "mailsrv help" for the list of commands`),
      );
      return EXIT.usage;
    }
    const mistake = describeUserError(e);
    if (mistake !== undefined) {
      output.warn(`mailsrv: fatal: ${mistake}`);
      return EXIT.failure;
    }
    throw e;
  }
}
