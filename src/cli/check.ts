/**
 * `mailsrv check` — Postfix's `postfix check`: validate the configuration
 * and the places it names, creating missing queue directories.
 *
 * DESCRIPTION
 *   A configuration error ends the check at once (main.ts prints it with
 *   file, line and key). Then each directory and table the configuration
 *   names is probed; every problem is printed as `mailsrv: error: …` or
 *   `mailsrv: warning: …`. Exit 0 with no errors, 1 otherwise.
 */
import { dirname, join } from "node:path";
import { type Command, EXIT } from "./command.ts";
import { configFor } from "./daemon_client.ts";
import { QUEUE_DIRECTORIES } from "../queue/mod.ts";
import { openMap } from "../maps/mod.ts";

/** Creates `path` (0700) if missing; returns a problem text or undefined. */
async function ensureDirectory(path: string): Promise<string | undefined> {
  try {
    const info = await Deno.stat(path);
    return info.isDirectory ? undefined : `"${path}" is not a directory`;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      return `cannot access "${path}": ${(e as Error).message}`;
    }
  }
  try {
    await Deno.mkdir(path, { recursive: true, mode: 0o700 });
    return undefined;
  } catch (e) {
    return `cannot create "${path}": ${(e as Error).message}`;
  }
}

/** Whether this process can create files in `dir`. */
async function writable(dir: string): Promise<string | undefined> {
  const probe = join(dir, `.mailsrv-check.${Deno.pid}`);
  try {
    await Deno.writeFile(probe, new Uint8Array(), { createNew: true });
    await Deno.remove(probe);
    return undefined;
  } catch (e) {
    return `cannot write in "${dir}": ${(e as Error).message}`;
  }
}

/** The `check` subcommand. */
export const checkCommand: Command = {
  name: "check",
  summary: "check the configuration, directories and permissions",
  usage: "check [--config PATH]",
  description:
    `Loads the configuration (errors name the file, line and key), creates
missing queue directories, and checks that the queue, the mail spool, the log
file's directory and the lookup tables are usable by this user.`,
  options: {},
  async run(context) {
    const config = await configFor(context);
    const errors: string[] = [];
    const warnings: string[] = [];
    for (const name of QUEUE_DIRECTORIES) {
      const problem = await ensureDirectory(join(config.queue_directory, name));
      if (problem) errors.push(problem);
    }
    if (errors.length === 0) {
      const problem = await writable(join(config.queue_directory, "tmp"));
      if (problem) errors.push(problem);
    }
    const spool = config.mail_spool_directory.replace(/\/+$/, "") || "/";
    const spoolProblem = await Deno.stat(spool).then(
      (s) => s.isDirectory ? undefined : `"${spool}" is not a directory`,
      () => `mail_spool_directory "${spool}" does not exist`,
    );
    if (spoolProblem) warnings.push(spoolProblem);
    if (config.maillog_file) {
      const dir = dirname(config.maillog_file);
      const problem = await ensureDirectory(dir) ?? await writable(dir);
      if (problem) errors.push(`maillog_file: ${problem}`);
    }
    for (const spec of config.local_recipient_maps) {
      try {
        await openMap(spec).lookup("postmaster");
      } catch (e) {
        errors.push(`local_recipient_maps: ${(e as Error).message}`);
      }
    }
    for (const w of warnings) context.warn(`mailsrv: warning: ${w}`);
    for (const e of errors) context.warn(`mailsrv: error: ${e}`);
    if (errors.length === 0) {
      context.print(
        `mailsrv: configuration ${
          config.configFile ?? "(embedded default)"
        } is valid; queue ${config.queue_directory} ready\n`,
      );
    }
    return errors.length ? EXIT.failure : EXIT.ok;
  },
};
