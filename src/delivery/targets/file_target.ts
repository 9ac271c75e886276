/**
 * The file agent: deliver to `/path` (an mbox file) or `/path/` (a
 * Maildir) named in an alias, a `.forward` or an `:include:` list.
 *
 * DESCRIPTION
 *   Postfix local(8) EXTERNAL FILE DELIVERY:
 *
 *   - `/dev/null` succeeds without writing anything (the usual way to
 *     discard mail for an alias);
 *   - a path ending in `/` is a Maildir (`maildir.ts`); any other path an
 *     mbox file, appended to under the same locks and with the same
 *     truncate-back-on-failure as a mailbox (`mbox.ts`);
 *   - the path must be absolute.
 *
 *   The file is written WITH THE TARGET USER'S PRIVILEGES, never as root:
 *   a root mailsrv starts itself as that user through setpriv
 *   (`privileges.ts`),
 *
 *     setpriv … mailsrv deliver-file --sender=S --recipient=R
 *                                    --hostname=H [--size-limit=N] -- PATH
 *
 *   with the content on standard input (`src/cli/deliver_file.ts`), so the
 *   kernel checks that user's permissions at every step and a file the
 *   user could not write is not written. The child answers with a sysexits
 *   code (0 delivered, 75 temporary, 73 permanent) and, on failure, a last
 *   line `X.Y.Z reason` on standard error, which carries the exact
 *   enhanced status back. An unprivileged mailsrv writes directly, as
 *   itself.
 *
 *   This module does not decide whether files are allowed
 *   (allow_mail_to_files) or who the user is; the caller does.
 */
import { isAbsolute } from "node:path";
import type { LookupTable } from "../../maps/mod.ts";
import { selfCommand } from "../../common/self_command.ts";
import { runDeliveryChild } from "./delivery_child.ts";
import type { Privileges } from "../local/local_types.ts";
import type { MboxLockOptions } from "../mailbox/lock.ts";
import { reasonOf } from "../mailbox_error.ts";
import type { MailboxLimit } from "../mailbox_limit.ts";
import { deliverToMaildir } from "../mailbox/maildir.ts";
import { deliverToMbox } from "../mailbox/mbox.ts";
import { runAsPrefix } from "../privileges.ts";
import { type ChildEnd, exitStatusResult } from "../sysexits.ts";
import { DeliveryError, type DeliveryMessage } from "../types.ts";

/** Options for `deliverToFile`. */
export interface FileDeliveryOptions {
  /** The user to write as; required when mailsrv runs as root. */
  readonly privileges?: Privileges;
  /** `myhostname`, part of Maildir file names. */
  readonly hostname: string;
  /** How long to wait for mbox locks. */
  readonly lock?: MboxLockOptions;
  /** Milliseconds since the epoch (mbox `From ` date, Maildir names). */
  readonly clock?: () => number;
  /** This process's uid (default `Deno.uid()`); tests pretend. */
  readonly uid?: number | null;
  /** mailbox_size_limit: the largest the file may become (none: no limit). */
  readonly sizeLimit?: MailboxLimit;
  /** The passwd table that decides supplementary groups. */
  readonly passwd?: LookupTable;
  /** Seconds the privileged writer may take (default 1000). */
  readonly timeLimitSeconds?: number;
  /** Runs `mailsrv ARGS…` (default `selfCommand`); tests may replace it. */
  readonly self?: (args: readonly string[]) => {
    command: string;
    args: string[];
  };
}

/** The options of a direct write, in this process. */
export type FileWriteOptions = Pick<
  FileDeliveryOptions,
  "hostname" | "lock" | "clock" | "sizeLimit"
>;

/** A failure line from `deliver-file`: enhanced status code and reason. */
const STATUS_LINE = /^([45])\.(\d{1,3})\.(\d{1,3}) (.+)$/;

/**
 * Writes `message` to the file target at `path` as this process: nothing
 * for /dev/null, a Maildir for `dir/`, else an mbox append.
 * @throws DeliveryError temporary or permanent
 */
export async function writeFileTarget(
  path: string,
  message: DeliveryMessage,
  options: FileWriteOptions,
): Promise<void> {
  checkPath(path);
  if (path === "/dev/null") return;
  if (path.endsWith("/")) {
    await deliverToMaildir(path, message, {
      hostname: options.hostname,
      clock: options.clock,
      sizeLimit: options.sizeLimit,
    });
  } else {
    await deliverToMbox(path, message, {
      lock: options.lock,
      clock: options.clock,
      sizeLimit: options.sizeLimit,
    });
  }
}

/** File targets are absolute paths (Postfix bounces anything else). */
function checkPath(path: string): void {
  if (!isAbsolute(path)) {
    throw new DeliveryError(
      `cannot deliver to file "${path}": not an absolute path`,
      false,
      "5.3.5",
    );
  }
}

/**
 * The outcome of a `deliver-file` child from its exit status and output.
 * @returns undefined when it delivered
 */
export function fileWriterError(
  path: string,
  end: ChildEnd,
  output: string,
): DeliveryError | undefined {
  const meaning = exitStatusResult(end);
  if (!meaning) return undefined;
  const lines = output.split("\n").map((line) => line.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = STATUS_LINE.exec(lines[i]);
    // The child's line is trusted only when it agrees with its status.
    if (match && (match[1] === "4") === meaning.temporary) {
      return new DeliveryError(
        match[4],
        meaning.temporary,
        `${match[1]}.${match[2]}.${match[3]}`,
      );
    }
  }
  const why = end.signal !== undefined
    ? `file writer killed by ${end.signal}`
    : `file writer died with status ${end.code} (${meaning.text})`;
  const detail = output.replace(/\s+/g, " ").trim();
  return new DeliveryError(
    `cannot deliver to file "${path}": ${why}${detail ? `: ${detail}` : ""}`,
    meaning.temporary,
    meaning.dsn,
  );
}

/** The environment of the writer child: nothing of the daemon's but TZ. */
function writerEnvironment(): Record<string, string> {
  const env: Record<string, string> = { PATH: "/usr/bin:/bin" };
  const tz = Deno.env.get("TZ");
  if (tz !== undefined) env.TZ = tz;
  return env;
}

/** Runs `deliver-file` as the user behind `prefix`. */
async function writeAsUser(
  prefix: readonly string[],
  path: string,
  message: DeliveryMessage,
  options: FileDeliveryOptions,
): Promise<void> {
  const self = (options.self ?? selfCommand)([
    "deliver-file",
    `--sender=${message.sender}`,
    `--recipient=${message.recipient}`,
    `--hostname=${options.hostname}`,
    `--queue-id=${message.queueId}`,
    ...(options.sizeLimit ? [`--size-limit=${options.sizeLimit.bytes}`] : []),
    "--",
    path,
  ]);
  let result;
  try {
    result = await runDeliveryChild({
      argv: [...prefix, self.command, ...self.args],
      env: writerEnvironment(),
      cwd: "/",
      prefix: new Uint8Array(0),
      message,
      timeLimitSeconds: options.timeLimitSeconds ?? 1000,
    });
  } catch (error) {
    throw new DeliveryError(
      `cannot start the file writer for "${path}": ${reasonOf(error)}`,
      true,
      "4.3.0",
    );
  }
  if (result.readError) throw result.readError;
  if (result.timedOut) {
    throw new DeliveryError(
      `cannot deliver to file "${path}": file writer time limit exceeded`,
      true,
      "4.3.0",
    );
  }
  const error = fileWriterError(path, result.end, result.output);
  if (error) throw error;
}

/**
 * Delivers `message` to the file target `path` with the user's
 * privileges (see the module comment).
 * @throws DeliveryError temporary or permanent
 */
export async function deliverToFile(
  path: string,
  message: DeliveryMessage,
  options: FileDeliveryOptions,
): Promise<void> {
  checkPath(path);
  // Checked before /dev/null too: root must never deliver as root.
  const prefix = await runAsPrefix(options.privileges, options);
  if (path === "/dev/null") return;
  if (prefix.length === 0) {
    await writeFileTarget(path, message, options);
  } else {
    await writeAsUser(prefix, path, message, options);
  }
}
