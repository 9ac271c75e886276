/**
 * `mailsrv reload` — re-read the configuration without dropping sessions.
 */
import { type Command, EXIT } from "./command.ts";
import { askDaemon } from "./daemon_client.ts";
import { ConfigError } from "../config/config_error.ts";

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
    const refused = (why: string) => {
      context.warn(
        `mailsrv: reload refused: ${why}, the daemon keeps running its previous configuration`,
      );
      return EXIT.failure;
    };
    let reply;
    try {
      reply = await askDaemon(context, "reload");
    } catch (e) {
      // The file is read here first (to find the queue): the same refusal.
      if (e instanceof ConfigError) return refused(e.message);
      throw e;
    }
    if (!reply) return EXIT.failure;
    if (!reply.ok) return refused(String(reply.error));
    context.print("mailsrv: configuration reloaded\n");
    return EXIT.ok;
  },
};
