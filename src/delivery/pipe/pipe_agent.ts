/**
 * The pipe delivery agent (Postfix's pipe(8)): a message into a program,
 * as a content filter or as the final delivery.
 *
 * DESCRIPTION
 *   A `[[transport]]` of kind `pipe` names the program and its arguments
 *   (`argv`, macros expanded by `pipe_macros.ts`), the flags and the user.
 *   For each recipient the agent:
 *
 *   - bounces a message over the transport's `size` (5.2.3 message file
 *     too big);
 *   - runs argv directly (no shell) with the environment Postfix gives:
 *     SENDER, RECIPIENT, ORIGINAL_RECIPIENT, USER, EXTENSION, DOMAIN,
 *     MAILBOX, NEXTHOP, SIZE, CLIENT_ADDRESS, CLIENT_HOSTNAME,
 *     CLIENT_HELO, CLIENT_PROTOCOL, QUEUE_ID, PATH=/usr/bin:/bin (and TZ);
 *   - as `user` when mailsrv runs as root (setpriv, `../privileges.ts`,
 *     never uid 0: a root mailsrv without `user` defers), as mailsrv
 *     itself otherwise; in `directory` (default "/");
 *   - writes the envelope lines and content its flags ask for
 *     (`pipe_content.ts`);
 *   - kills it after `time_limit` (default command_time_limit): deferred;
 *   - maps its exit status through sysexits (`../sysexits.ts`): 0 sent,
 *     75 and the other temporary codes deferred, the rest bounced, with
 *     the command's output in the reason.
 *
 *   A sent recipient's success notice says `delivered` with flag X
 *   (final delivery) and `relayed` without it, as Postfix's DSN does.
 *
 *   Used by the router. Needs run access to the program (and setpriv).
 */
import type { Config } from "../../config/types.ts";
import type { TransportService } from "../../config/transports.ts";
import type { LookupTable } from "../../maps/mod.ts";
import { LookupTableError } from "../../maps/mod.ts";
import {
  DeliveryError,
  type DeliveryMessage,
  type DeliveryResult,
  failedDelivery,
} from "../types.ts";
import { lookupLocalUser } from "../local/local_users.ts";
import type { Privileges } from "../local/local_types.ts";
import { runAsPrefix, runsAsRoot } from "../privileges.ts";
import { runDeliveryChild } from "../targets/delivery_child.ts";
import { commandResultError } from "../targets/command.ts";
import { reasonOf } from "../mailbox_error.ts";
import { expandPipeArgv, pipeMacroValues } from "./pipe_macros.ts";
import { pipeContentTransform, pipePrefix, reshapes } from "./pipe_content.ts";

/** What the pipe agent needs besides the message. */
export interface PipeOptions {
  /** The passwd table for `user=` (default: the system's). */
  readonly passwd?: LookupTable;
  /** This process's uid (default `Deno.uid()`); tests pretend. */
  readonly uid?: number | null;
  /** Milliseconds since the epoch, for the From_ line. */
  readonly clock?: () => number;
}

/** The user a pipe transport runs as, when mailsrv can switch users. */
async function privilegesOf(
  service: TransportService,
  options: PipeOptions,
): Promise<Privileges | undefined> {
  const name = service.pipe?.user;
  const root = runsAsRoot(options.uid === undefined ? Deno.uid() : options.uid);
  if (!root) return undefined;
  if (name === undefined) {
    throw new DeliveryError(
      `pipe transport "${service.name}" has no user= to run as`,
      true,
      "4.3.5",
    );
  }
  let user;
  try {
    user = await lookupLocalUser(name, { passwd: options.passwd });
  } catch (error) {
    if (!(error instanceof LookupTableError)) throw error;
    throw new DeliveryError(error.message, true, "4.3.0");
  }
  if (user === undefined) {
    throw new DeliveryError(
      `pipe transport "${service.name}": unknown user "${name}"`,
      true,
      "4.3.5",
    );
  }
  return {
    user: user.name,
    uid: user.uid,
    gid: user.gid,
    home: user.home,
    shell: user.shell,
  };
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/g;

/**
 * The environment pipe(8) gives the command: the macros in upper case,
 * PATH, and TZ when mailsrv has one; nothing else of the daemon's.
 */
function environmentOf(
  values: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    env[name.toUpperCase()] = value.replace(CONTROL, "");
  }
  env.PATH = "/usr/bin:/bin";
  const tz = Deno.env.get("TZ");
  if (tz !== undefined) env.TZ = tz;
  return env;
}

/**
 * Delivers `message` through the pipe transport `service`.
 * @param nexthop the route's nexthop (${nexthop})
 */
export async function deliverPipe(
  message: DeliveryMessage,
  service: TransportService,
  nexthop: string,
  config: Config,
  options: PipeOptions = {},
): Promise<DeliveryResult> {
  const pipe = service.pipe;
  const relay = service.name;
  if (pipe === undefined) {
    throw new Error(`transport "${service.name}" is not a pipe transport`);
  }
  if (pipe.size > 0 && message.size > pipe.size) {
    return {
      outcome: "bounced",
      dsn: "5.2.3",
      reason: "message file too big",
      relay,
    };
  }
  const values = pipeMacroValues({
    sender: message.sender,
    recipient: message.recipient,
    originalRecipient: message.dsn?.orcpt?.address,
    nexthop,
    size: message.size,
    queueId: message.queueId,
    delimiter: config.recipient_delimiter,
    nullSender: pipe.nullSender,
    client: message.client,
  }, pipe.flags);
  const argv = expandPipeArgv(pipe.argv, values);
  const command = argv.join(" ");
  let result;
  try {
    const privileges = await privilegesOf(service, options);
    const prefix = await runAsPrefix(privileges, options);
    const content = reshapes(pipe.flags, pipe.eol)
      ? {
        ...message,
        content: async () =>
          (await message.content()).pipeThrough(
            pipeContentTransform(pipe.flags, pipe.eol),
          ),
      }
      : message;
    try {
      result = await runDeliveryChild({
        argv: [...prefix, ...argv],
        env: environmentOf(values),
        cwd: pipe.directory ?? "/",
        prefix: pipePrefix(
          pipe.flags,
          {
            sender: message.sender,
            recipient: message.recipient,
            originalRecipient: message.dsn?.orcpt?.address,
          },
          (options.clock ?? Date.now)(),
          pipe.eol,
        ),
        message: content,
        timeLimitSeconds: pipe.timeLimit ?? config.command_time_limit,
      });
    } catch (error) {
      throw new DeliveryError(
        `cannot run "${argv[0]}" for transport "${service.name}": ${
          reasonOf(error)
        }`,
        true,
        "4.3.0",
      );
    }
  } catch (error) {
    if (error instanceof DeliveryError) return failedDelivery(error, relay);
    throw error;
  }
  const error = commandResultError(command, result);
  if (error) return failedDelivery(error, relay);
  return {
    outcome: "sent",
    dsn: "2.0.0",
    reason: `delivered via ${service.name} service`,
    relay,
    dsnAction: pipe.flags.includes("X") ? "delivered" : "relayed",
  };
}
