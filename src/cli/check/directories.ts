/**
 * `mailsrv check`: the directories the configuration names.
 *
 * DESCRIPTION
 *   queue_directory   must exist or be creatable by `start` (its parent
 *                     exists); it and its subdirectories must be
 *                     directories owned by the user running the check
 *                     (run it as the user that runs the daemon) and closed
 *                     to others (queued mail is private)
 *   mail_spool_directory, virtual_mailbox_base, pop3_passwd_directory
 *                     must exist when they are used; a directory everyone
 *                     may write without the sticky bit is a warning
 *   maillog_file      its directory must exist (else `start` creates it)
 *                     and the file must be writable
 *
 *   Ownership and modes are judged from stat(2): write permission through
 *   a supplementary group is assumed when the group may write.
 *
 *   Creates nothing (`start` creates the queue's subdirectories).
 */
import { dirname, join } from "node:path";
import type { Config } from "../../config/types.ts";
import { QUEUE_DIRECTORIES } from "../../queue/store.ts";
import { queuePlan } from "../../master/queue_directory.ts";
import { type Findings, reasonOf, statIfExists } from "./findings.ts";

/** Whether this process may write in (or to) what `info` describes. */
function mayWrite(info: Deno.FileInfo): boolean {
  const uid = Deno.uid();
  const mode = info.mode ?? 0o777;
  if (uid === 0) return true;
  if (info.uid === uid) return (mode & 0o200) !== 0;
  // Group membership may come from supplementary groups: assume it.
  return (mode & 0o022) !== 0;
}

/** `stat`, reporting an unexpected failure as an error. */
async function look(
  path: string,
  what: string,
  findings: Findings,
): Promise<Deno.FileInfo | undefined | "failed"> {
  try {
    return await statIfExists(path);
  } catch (error) {
    findings.error(`${what}: cannot access "${path}": ${reasonOf(error)}`);
    return "failed";
  }
}

/** The queue directory and its subdirectories. */
async function checkQueue(config: Config, findings: Findings): Promise<void> {
  const queue = config.queue_directory;
  const plan = await queuePlan(config).catch((error) => ({
    kind: "refuse" as const,
    reason: `cannot access "${queue}": ${reasonOf(error)}`,
  }));
  if (plan.kind === "refuse") {
    findings.error(`queue_directory: ${plan.reason}`);
    return;
  }
  if (plan.kind === "create") {
    findings.note(
      `queue_directory: "${queue}" does not exist yet; start creates it`,
    );
    return;
  }
  const uid = Deno.uid();
  for (const path of [queue, ...QUEUE_DIRECTORIES.map((d) => join(queue, d))]) {
    const info = await look(path, "queue_directory", findings);
    if (info === "failed") continue;
    if (!info) {
      findings.note(
        `queue_directory: "${path}" does not exist yet; start creates it`,
      );
      continue;
    }
    if (!info.isDirectory) {
      findings.error(`queue_directory: "${path}" is not a directory`);
      continue;
    }
    if (uid !== 0 && info.uid !== uid) {
      findings.error(
        `queue_directory: "${path}" is owned by uid ${info.uid}, not by ` +
          `uid ${uid} running this check; run mailsrv as the queue's owner`,
      );
    } else if (!mayWrite(info)) {
      findings.error(`queue_directory: "${path}" is not writable`);
    }
    if (path !== queue && info.mode !== null && (info.mode & 0o077) !== 0) {
      findings.warning(
        `queue_directory: "${path}" is open to others (mode ${
          (info.mode & 0o777).toString(8).padStart(4, "0")
        }; mailsrv creates 0700): queued mail is private`,
      );
    }
  }
}

/** A directory that must exist when used; everyone-writable is a warning. */
async function checkUsedDirectory(
  parameter: string,
  path: string,
  missing: "error" | "warning",
  findings: Findings,
): Promise<void> {
  const info = await look(path, parameter, findings);
  if (info === "failed") return;
  if (!info) {
    findings[missing](`${parameter}: "${path}" does not exist`);
    return;
  }
  if (!info.isDirectory) {
    findings.error(`${parameter}: "${path}" is not a directory`);
    return;
  }
  const mode = info.mode ?? 0;
  if ((mode & 0o002) !== 0 && (mode & 0o1000) === 0) {
    findings.warning(
      `${parameter}: "${path}" is writable by everyone without the sticky ` +
        `bit (mode ${(mode & 0o7777).toString(8).padStart(4, "0")})`,
    );
  }
}

/** The maillog file and its directory. */
async function checkMaillog(config: Config, findings: Findings) {
  const file = config.maillog_file;
  const dir = dirname(file);
  const dirInfo = await look(dir, "maillog_file", findings);
  if (dirInfo === "failed") return;
  if (!dirInfo) {
    findings.note(
      `maillog_file: "${dir}" does not exist yet; start creates it`,
    );
    return;
  }
  const info = await look(file, "maillog_file", findings);
  if (info === "failed") return;
  if (info ? !mayWrite(info) : !mayWrite(dirInfo)) {
    findings.error(
      `maillog_file: cannot write "${info ? file : dir}" as uid ${Deno.uid()}`,
    );
  }
}

/** Checks every directory the configuration names. */
export async function checkDirectories(
  config: Config,
  findings: Findings,
): Promise<void> {
  await checkQueue(config, findings);
  if (config.home_mailbox === "") {
    const spool = config.mail_spool_directory.replace(/\/+$/, "") || "/";
    await checkUsedDirectory(
      "mail_spool_directory",
      spool,
      "warning",
      findings,
    );
  }
  if (config.virtual_mailbox_domains.length > 0) {
    if (config.virtual_mailbox_base === "") {
      findings.error(
        "virtual_mailbox_base: not set, but virtual_mailbox_domains is: " +
          "virtual mail cannot be delivered",
      );
    } else {
      await checkUsedDirectory(
        "virtual_mailbox_base",
        config.virtual_mailbox_base,
        "error",
        findings,
      );
    }
    await checkUsedDirectory(
      "pop3_passwd_directory",
      config.pop3_passwd_directory,
      "warning",
      findings,
    );
  }
  if (config.maillog_file) await checkMaillog(config, findings);
}
