/**
 * The command table and the first pass of argument parsing.
 *
 * DESCRIPTION
 *   `mailsrv [--config PATH] COMMAND [ARGS…]`: options before the command
 *   are global; the rest belongs to the command (second pass, in
 *   command.ts). Errors a user can cause — a bad command line, a broken
 *   configuration, a daemon that is not running — are printed as one clear
 *   message; only bugs print a stack.
 */
import {
  type Command,
  type CommandContext,
  EXIT,
  parseCommandArgs,
  UsageError,
} from "./command.ts";
import { commandHelp, helpCommand, overview } from "./help.ts";
import { runCommand } from "./run.ts";
import { startCommand } from "./start.ts";
import { stopCommand } from "./stop.ts";
import { statusCommand } from "./status.ts";
import { reloadCommand } from "./reload.ts";
import { flushCommand } from "./flush.ts";
import { checkCommand } from "./check.ts";
import { queueCommand } from "./queue.ts";
import { postsuperCommand } from "./postsuper.ts";
import { postcatCommand } from "./postcat.ts";
import { postconfCommand } from "./postconf.ts";
import { postmapCommand } from "./postmap.ts";
import { postaliasCommand } from "./postalias.ts";
import { importPostfixCommand } from "./import_postfix.ts";
import { deliverFileCommand } from "./deliver_file.ts";
import { newaliasesCommand } from "./newaliases.ts";
import { dkimCommand } from "./dkim.ts";
import { sendmailCommand } from "./sendmail.ts";
import { domainCommand } from "./domain.ts";
import { userCommand } from "./user.ts";
import { createPop3Command } from "./pop3.ts";
import { createPop3Deps } from "../pop3/deps.ts";
import { popBeforeSmtpOver } from "../policy/pop_before_smtp.ts";
import { openSharedState } from "../policy/open_shared_state.ts";
import { stateCommand } from "./state.ts";
import { describeUserError } from "./user_error.ts";
import { VERSION } from "../version.ts";

export { commandLineFor, invokedName } from "./invoked_as.ts";

const COMMANDS: readonly Command[] = [
  runCommand,
  startCommand,
  stopCommand,
  statusCommand,
  reloadCommand,
  flushCommand,
  createPop3Command((config) => {
    const state = openSharedState(config, "pop3d");
    return createPop3Deps(
      () => config,
      popBeforeSmtpOver(state),
      () => state.close(),
    );
  }),
  domainCommand,
  userCommand,
  queueCommand,
  postsuperCommand,
  postcatCommand,
  stateCommand,
  checkCommand,
  postconfCommand,
  postmapCommand,
  postaliasCommand,
  importPostfixCommand,
  newaliasesCommand,
  dkimCommand,
  sendmailCommand,
  deliverFileCommand,
  helpCommand(() => COMMANDS),
];

/** Where the CLI writes; tests pass collectors. */
export interface CliOutput {
  print(text: string): void;
  warn(text: string): void;
}

const encoder = new TextEncoder();
const STDIO: CliOutput = {
  print: (text) => void Deno.stdout.writeSync(encoder.encode(text)),
  warn: (text) =>
    void Deno.stderr.writeSync(
      encoder.encode(text.endsWith("\n") ? text : text + "\n"),
    ),
};

/** Splits global options from the command name and its arguments. */
function firstPass(argv: readonly string[]): {
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
 * Runs the CLI.
 * @returns the process exit code
 */
export async function main(
  argv: readonly string[],
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
      output.print(overview(COMMANDS));
      return first.help ? EXIT.ok : EXIT.usage;
    }
    command = COMMANDS.find((c) => c.name === first.name);
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
