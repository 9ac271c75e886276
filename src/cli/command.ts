/**
 * The shape of a mailsrv subcommand and the second pass of argument parsing.
 *
 * DESCRIPTION
 *   `main.ts` finds the subcommand (first pass); each subcommand declares
 *   its options here in `node:util` parseArgs form (the stand-in for
 *   @std/cli) and receives them parsed. Every command accepts `--config`
 *   and `--help`, before or after its name.
 *
 *   Exit codes follow sysexits(3) as mail tools do: 0 success, 1 failure,
 *   64 (EX_USAGE) for a bad command line, 75 (EX_TEMPFAIL) when the daemon
 *   is not reachable where it must be.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** sysexits(3) codes used by the CLI. */
export const EXIT = { ok: 0, failure: 1, usage: 64, tempfail: 75 } as const;

/** Parsed options and operands of one subcommand invocation. */
export interface CommandContext {
  /** Option values by long name. */
  readonly values: Readonly<Record<string, string | boolean | string[]>>;
  /** Operands after the subcommand name. */
  readonly operands: readonly string[];
  /** `--config PATH`, when given. */
  readonly configPath?: string;
  /** Writes to standard output (tests capture it). */
  readonly print: (text: string) => void;
  /** Writes a diagnostic to standard error. */
  readonly warn: (text: string) => void;
}

/** One subcommand: its help text, its options and what it does. */
export interface Command {
  readonly name: string;
  /** One line for `mailsrv help`. */
  readonly summary: string;
  /** Synopsis after `mailsrv `, e.g. `queue [--json]`. */
  readonly usage: string;
  /** Paragraphs for `mailsrv help NAME`. */
  readonly description: string;
  readonly options: ParseArgsOptionsConfig;
  /**
   * How many operands may follow the name (default none): anything more
   * is refused rather than silently ignored (`mailsrv flush example.com`).
   */
  readonly maxOperands?: number;
  /**
   * Takes its arguments as they are, all as operands (sendmail's own
   * getopt rules); only `--help` (before any `--`) is still help.
   */
  readonly rawArguments?: boolean;
  /**
   * Parses the arguments itself instead of `options` (for Postfix-style
   * flags that clash with the common ones, as `postsuper -h`); throws
   * UsageError on a bad command line.
   */
  readonly parse?: (args: readonly string[]) => {
    values: Record<string, string | boolean | string[]>;
    operands: string[];
  };
  /** Runs the command; resolves to the process exit code. */
  run(context: CommandContext): Promise<number>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: ParseArgsOptionsConfig = {
  config: { type: "string", short: "c" },
  help: { type: "boolean", short: "h" },
};

/** A bad command line; main.ts prints it with the usage and exits 64. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses the arguments that follow the subcommand name.
 * @throws UsageError on an unknown option, a missing option value or an
 *   operand the command does not take
 */
export function parseCommandArgs(
  command: Command,
  args: readonly string[],
): {
  values: Record<string, string | boolean | string[]>;
  operands: string[];
} {
  if (command.parse) return command.parse(args);
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    const extra = positionals[command.maxOperands ?? 0];
    if (extra !== undefined) {
      throw new UsageError(`unexpected argument "${extra}"`);
    }
    return {
      values: values as Record<string, string | boolean | string[]>,
      operands: positionals,
    };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // node:util's messages name the option; keep them, drop its hints.
    const text = (e as Error).message.split(". ")[0].replace(/\.$/, "");
    throw new UsageError(text);
  }
}
