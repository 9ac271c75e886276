/**
 * The command agent: pipe a message into a shell command (`|command` in
 * aliases, `.forward` and `:include:` files, and `mailbox_command`).
 *
 * DESCRIPTION
 *   Postfix local(8) EXTERNAL COMMAND DELIVERY, as used by the local
 *   delivery agent:
 *
 *   - the command runs as `local_command_shell -c COMMAND` (default
 *     `/bin/sh`), as the user in `privileges` when mailsrv runs as root
 *     (`privileges.ts`: setpriv, never uid 0), as mailsrv itself when not;
 *     its working directory is the user's home, or "/" without one;
 *   - its environment is exactly Postfix's: SENDER, RECIPIENT,
 *     ORIGINAL_RECIPIENT, USER, LOGNAME, HOME, SHELL, LOCAL, DOMAIN,
 *     EXTENSION, PATH=/usr/bin:/bin and TZ when mailsrv has one. Nothing
 *     else of the daemon's environment reaches a user's program;
 *   - standard input is the message as local(8) writes it for commands:
 *
 *       From <sender or MAILER-DAEMON> <asctime date>
 *       Return-Path: <sender>
 *       Delivered-To: <recipient>
 *       <content, LF line ends, not quoted>
 *
 *   - the first 4 KB of its standard output and error become part of the
 *     reason text when it fails;
 *   - after `command_time_limit` seconds its process group is killed
 *     (SIGTERM, SIGKILL 2 s later): temporary, 4.3.0;
 *   - its exit status decides the outcome (`sysexits.ts`): 0 delivered,
 *     75 EX_TEMPFAIL and the other temporary sysexits codes defer, any
 *     other failure bounces; death by a signal defers.
 *
 *   Reasons read like Postfix's:
 *     Command died with status 1: "procmail -a x". Command output: …
 *
 *   This module does not decide whether commands are allowed
 *   (allow_mail_to_commands) or who the user is; the caller does.
 */
import { DeliveryError, type DeliveryMessage } from "../types.ts";
import type { CommandEnvironment, Privileges } from "../local/local_types.ts";
import type { LookupTable } from "../../maps/mod.ts";
import { deliveryHeaders } from "../delivery_headers.ts";
import { mboxFromLine } from "../mailbox/mbox_from_line.ts";
import { reasonOf } from "../mailbox_error.ts";
import { deliveryDirectory, runAsPrefix } from "../privileges.ts";
import {
  type DeliveryChildResult,
  runDeliveryChild,
} from "./delivery_child.ts";
import { exitStatusResult, isSysexitsCode } from "../sysexits.ts";

/** Options for `deliverToCommand`. */
export interface CommandDeliveryOptions {
  /** The Postfix variables the command sees (`local_types.ts`). */
  readonly environment: CommandEnvironment;
  /** The user to run as; required when mailsrv runs as root. */
  readonly privileges?: Privileges;
  /** `local_command_shell`, e.g. `/bin/sh`. */
  readonly shell: string;
  /** `command_time_limit`, seconds. */
  readonly timeLimitSeconds: number;
  /** Working directory (default: the user's home, or "/"). */
  readonly cwd?: string;
  /** Milliseconds since the epoch, for the `From ` line (default: now). */
  readonly clock?: () => number;
  /** This process's uid (default `Deno.uid()`); tests pretend. */
  readonly uid?: number | null;
  /** The passwd table that decides supplementary groups. */
  readonly passwd?: LookupTable;
}

/** The search path every delivery command gets (Postfix's default). */
const COMMAND_PATH = "/usr/bin:/bin";

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/g;

/**
 * The complete environment of a delivery command.
 * @param tz the daemon's TZ, passed on when set
 */
export function commandEnvironment(
  environment: CommandEnvironment,
  tz: string | undefined = Deno.env.get("TZ"),
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    // An environment string cannot hold NUL; no variable needs a newline.
    env[name] = String(value).replace(CONTROL, "");
  }
  env.PATH = COMMAND_PATH;
  if (tz !== undefined) env.TZ = tz;
  return env;
}

/** What the command reads before the content: From_ line and headers. */
export function commandPrefix(
  message: DeliveryMessage,
  time: number,
): Uint8Array {
  const from = new TextEncoder().encode(mboxFromLine(message.sender, time));
  const headers = deliveryHeaders(message);
  const prefix = new Uint8Array(from.length + headers.length);
  prefix.set(from);
  prefix.set(headers, from.length);
  return prefix;
}

/** `text` on one line: control characters as spaces, runs collapsed. */
function oneLine(text: string): string {
  return text.replace(CONTROL, " ").replace(/ {2,}/g, " ").trim();
}

/** The outcome of a finished command; undefined when it delivered. */
export function commandResultError(
  command: string,
  result: DeliveryChildResult,
): DeliveryError | undefined {
  if (result.readError) return result.readError;
  const quoted = `"${oneLine(command)}"`;
  const output = oneLine(result.output);
  const tail = output ? `. Command output: ${output}` : "";
  if (result.timedOut) {
    return new DeliveryError(
      `Command time limit exceeded: ${quoted}${tail}`,
      true,
      "4.3.0",
    );
  }
  const meaning = exitStatusResult(result.end);
  if (!meaning) return undefined;
  if (result.end.signal !== undefined) {
    return new DeliveryError(
      `Command died with signal ${result.end.signal}: ${quoted}${tail}`,
      meaning.temporary,
      meaning.dsn,
    );
  }
  const known = isSysexitsCode(result.end.code) ? ` (${meaning.text})` : "";
  return new DeliveryError(
    `Command died with status ${result.end.code}${known}: ${quoted}${tail}`,
    meaning.temporary,
    meaning.dsn,
  );
}

/**
 * Pipes `message` into `command`.
 * @throws DeliveryError temporary or permanent, per the exit status
 */
export async function deliverToCommand(
  command: string,
  message: DeliveryMessage,
  options: CommandDeliveryOptions,
): Promise<void> {
  const prefix = await runAsPrefix(options.privileges, options);
  const cwd = options.cwd ?? await deliveryDirectory(options.privileges);
  let result: DeliveryChildResult;
  try {
    result = await runDeliveryChild({
      argv: [...prefix, options.shell, "-c", command],
      env: commandEnvironment(options.environment),
      cwd,
      prefix: commandPrefix(message, (options.clock ?? Date.now)()),
      message,
      timeLimitSeconds: options.timeLimitSeconds,
    });
  } catch (error) {
    throw new DeliveryError(
      `cannot run "${options.shell}" for command "${oneLine(command)}": ${
        reasonOf(error)
      }`,
      true,
      "4.3.0",
    );
  }
  const error = commandResultError(command, result);
  if (error) throw error;
}
