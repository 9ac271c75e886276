/**
 * `mailsrv check` — Postfix's `postfix check`: validate the configuration
 * and everything it names, creating nothing.
 *
 * DESCRIPTION
 *   A configuration error ends the check at once (main.ts prints it with
 *   file, line and key). Then each family of checks runs (one file each
 *   under `check/`):
 *
 *     tables.ts       every lookup table: type supported, file present,
 *                     readable and parsable
 *     directories.ts  queue, spool, virtual and log directories: present
 *                     (or creatable by start), owners and modes
 *     tls.ts          certificate and key load, match, are not expired
 *     listeners.ts    every listener can bind (or the daemon holds it)
 *     queue_space.ts  the queue file system has the room queue_minfree
 *                     and message_size_limit ask for (a warning)
 *
 *   Every problem is printed as `mailsrv: error: …` or
 *   `mailsrv: warning: …` on stderr, notes as `mailsrv: …` on stdout.
 *   Exit 0 with no errors, 1 otherwise. Nothing is created or changed:
 *   `start` creates the queue and the log directory.
 */
import { type Command, EXIT } from "./command.ts";
import { configFor } from "./daemon_client.ts";
import { Findings } from "./check/findings.ts";
import { checkTables } from "./check/tables.ts";
import { checkDirectories } from "./check/directories.ts";
import { checkTls } from "./check/tls.ts";
import { checkListeners } from "./check/listeners.ts";
import { dkimKeyProblems } from "../dkim/signing_key.ts";
import { srsProblems } from "../srs/mod.ts";
import { checkQueueSpace } from "./check/queue_space.ts";

/** The `check` subcommand. */
export const checkCommand: Command = {
  name: "check",
  summary: "check the configuration and everything it names",
  usage: "check [--config PATH]",
  description:
    `Loads the configuration (errors name the file, line and key), then checks
what it names: every lookup table (its type is supported, its file exists, is
readable and parses; alias files entry by entry), the queue, spool, virtual
mailbox and log directories (they exist or start can create them, owners and
modes), the TLS certificate and key (they load, belong together and have not
expired), the DKIM keys (readable by mailsrv only, RSA or Ed25519), the SRS
secret file (readable by mailsrv only, not empty), and
that every listener can bind (ports held by this configuration's
running daemon are reported as such). Creates nothing. Exit 0 when no error
was found, 1 otherwise.`,
  options: {},
  async run(context) {
    const config = await configFor(context);
    const findings = new Findings();
    await checkTables(config, findings);
    await checkDirectories(config, findings);
    checkQueueSpace(config, findings);
    await checkTls(config, findings);
    await checkListeners(config, findings);
    for (const problem of dkimKeyProblems(config.dkim)) {
      findings.error(problem);
    }
    for (const problem of srsProblems(config)) findings.error(problem);
    for (const { level, text } of findings.all) {
      if (level === "note") context.print(`mailsrv: ${text}\n`);
      else context.warn(`mailsrv: ${level}: ${text}`);
    }
    const name = config.configFile ?? "(embedded default)";
    if (findings.failed) {
      const errors = findings.all.filter((f) => f.level === "error").length;
      context.warn(
        `mailsrv: configuration ${name}: ${errors} ${
          errors === 1 ? "error" : "errors"
        }`,
      );
      return EXIT.failure;
    }
    context.print(`mailsrv: configuration ${name} is valid\n`);
    return EXIT.ok;
  },
};
