/**
 * `mailsrv flush` — retry deferred mail now (Postfix `postqueue -f`), e.g.
 * from a ppp `ip-up` hook when the link comes up.
 */
import { type Command, EXIT } from "./command.ts";
import { askDaemon } from "./daemon_client.ts";

/** The `flush` subcommand. */
export const flushCommand: Command = {
  name: "flush",
  summary: "attempt delivery of all queued mail now",
  usage: "flush [--config PATH]",
  description:
    `Asks the daemon to retry every deferred message at once instead of waiting
for its retry time — what a dial-up box runs from /etc/ppp/ip-up.d/ when the
link comes up. Exits 75 (EX_TEMPFAIL) if the daemon is not running.`,
  options: {},
  async run(context) {
    const reply = await askDaemon(context, "flush");
    if (!reply) return EXIT.tempfail;
    if (!reply.ok) {
      context.warn(`mailsrv: flush failed: ${reply.error}`);
      return EXIT.failure;
    }
    return EXIT.ok;
  },
};
