/**
 * `mailsrv stop` — graceful stop through the control socket; `--abort`
 * stops at once (Postfix's `postfix abort`).
 */
import { type Command, EXIT } from "./command.ts";
import { askDaemon } from "./daemon_client.ts";

/** The `stop` subcommand. */
export const stopCommand: Command = {
  name: "stop",
  summary: "stop the mail system gracefully (--abort: at once)",
  usage: "stop [--config PATH] [--abort]",
  description:
    `Asks the daemon to stop accepting connections, lets SMTP transactions and
deliveries in progress finish (up to 30 seconds), and waits until it has
stopped. Unfinished mail stays queued and is delivered after the next start.
  --abort  stop at once, as "postfix abort": sessions are dropped (a message
           whose DATA has not been acknowledged is not kept; the client
           sends it again) and deliveries in progress are retried after the
           next start.`,
  options: { abort: { type: "boolean" } },
  async run(context) {
    const abort = context.values.abort === true;
    const reply = await askDaemon(
      context,
      abort ? { command: "stop", abort: true } : "stop",
      90_000,
    );
    if (!reply) return EXIT.failure;
    if (!reply.ok) {
      context.warn(`mailsrv: stop failed: ${reply.error}`);
      return EXIT.failure;
    }
    context.print(abort ? "mailsrv: aborted\n" : "mailsrv: stopped\n");
    return EXIT.ok;
  },
};
