/**
 * `mailsrv stop` — graceful stop through the control socket.
 */
import { type Command, EXIT } from "./command.ts";
import { askDaemon } from "./daemon_client.ts";

/** The `stop` subcommand. */
export const stopCommand: Command = {
  name: "stop",
  summary: "stop the mail system gracefully",
  usage: "stop [--config PATH]",
  description:
    `Asks the daemon to stop accepting connections, lets SMTP transactions and
deliveries in progress finish (up to 30 seconds), and waits until it has
stopped. Unfinished mail stays queued and is delivered after the next start.`,
  options: {},
  async run(context) {
    const reply = await askDaemon(context, "stop", 90_000);
    if (!reply) return EXIT.failure;
    if (!reply.ok) {
      context.warn(`mailsrv: stop failed: ${reply.error}`);
      return EXIT.failure;
    }
    context.print("mailsrv: stopped\n");
    return EXIT.ok;
  },
};
