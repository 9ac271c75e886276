/**
 * `mailsrv status` — is the daemon running, and what is it doing.
 */
import { type Command, EXIT } from "./command.ts";
import { askDaemon } from "./daemon_client.ts";

/** The `status` subcommand. */
export const statusCommand: Command = {
  name: "status",
  summary: "tell whether the mail system is running",
  usage: "status [--config PATH] [--json]",
  description:
    `Exits 0 and describes the daemon (pid, uptime, listeners, sessions, messages
being delivered, whether the delivery thread runs, the shared-state store and
whether it answers) when it runs; exits 1 with "mailsrv is not running" when not.`,
  options: { json: { type: "boolean" } },
  async run(context) {
    const reply = await askDaemon(context, "status", 10_000);
    if (!reply?.ok) return EXIT.failure;
    if (context.values.json) {
      context.print(JSON.stringify(reply) + "\n");
      return EXIT.ok;
    }
    const listeners = (reply.listeners as string[]).join(", ");
    context.print(
      `mailsrv is running (pid ${reply.pid}, version ${reply.version}, up ${reply.uptimeSeconds}s)\n` +
        `  configuration: ${reply.configFile ?? "(embedded default)"}\n` +
        `  listening: ${listeners || "(nothing)"}\n` +
        `  smtp sessions: ${reply.sessions}, messages in delivery: ${reply.activeMessages}\n` +
        `  delivery thread: ${
          reply.deliveryThread
            ? "running"
            : "idle (starts with the next message)"
        }\n` +
        (reply.sharedState === undefined
          ? ""
          : `  shared state: ${reply.sharedState} (${
            reply.sharedStateHealthy ? "answering" : "NOT answering"
          })\n`),
    );
    return EXIT.ok;
  },
};
