/**
 * `mailsrv reload` — re-read the configuration without dropping sessions.
 */
import { type Command, EXIT } from "./command.ts";
import { askDaemon } from "./daemon_client.ts";

/** The `reload` subcommand. */
export const reloadCommand: Command = {
  name: "reload",
  summary: "re-read the configuration",
  usage: "reload [--config PATH]",
  description:
    `Makes the running daemon re-read its configuration (as SIGHUP does).
Sessions in progress continue; new listeners start, removed ones stop
accepting. A configuration with errors is refused and the running one kept;
the error is printed here and logged.`,
  options: {},
  async run(context) {
    const reply = await askDaemon(context, "reload");
    if (!reply) return EXIT.failure;
    if (!reply.ok) {
      context.warn(`mailsrv: reload refused: ${reply.error}`);
      return EXIT.failure;
    }
    context.print("mailsrv: configuration reloaded\n");
    return EXIT.ok;
  },
};
