/**
 * `mailsrv start` — start the daemon in the background and return once it
 * answers on its control socket (so scripts can send mail right after).
 */
import { type Command, EXIT } from "./command.ts";
import { configFor } from "./daemon_client.ts";
import { controlRequest, DaemonNotRunningError } from "../master/control.ts";
import { logDestinations } from "../master/logging.ts";
import { selfCommand } from "../common/self_command.ts";
import { heldByOneShotRun } from "../master/queue_lock.ts";

const READY_TIMEOUT_MS = 30_000;
const STDERR_LIMIT = 64 * 1024;

async function ping(queueDirectory: string): Promise<number | undefined> {
  try {
    const reply = await controlRequest(queueDirectory, "ping", 2000);
    return reply.ok ? Number(reply.pid) : undefined;
  } catch (e) {
    if (e instanceof DaemonNotRunningError) return undefined;
    throw e;
  }
}

/** Collects up to STDERR_LIMIT bytes of the child's early diagnostics. */
function collect(stream: ReadableStream<Uint8Array>): {
  text: () => string;
  cancel: () => void;
} {
  const reader = stream.getReader();
  let text = "";
  const decoder = new TextDecoder();
  (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (text.length < STDERR_LIMIT) text += decoder.decode(value);
    }
  })().catch(() => {});
  return {
    text: () => text,
    cancel: () => void reader.cancel().catch(() => {}),
  };
}

/**
 * Why the daemon did not start: its own one-line `mailsrv: fatal: …`
 * joined to ours, anything else (a crash) shown as it came.
 */
function notStarted(status: string, stderr: string): string {
  const text = stderr.trim();
  const fatal = /^mailsrv: fatal: ([^\n]*)$/.exec(text);
  if (fatal) return `mailsrv: fatal: the daemon did not start: ${fatal[1]}`;
  return `mailsrv: the daemon did not start (${status})` +
    (text ? `\n${text}` : "");
}

/** The `start` subcommand. */
export const startCommand: Command = {
  name: "start",
  summary: "start the mail system in the background",
  usage: "start [--config PATH]",
  description:
    `Starts the daemon detached from the terminal and returns once it accepts
connections, writing its pid to $queue_directory/pid/master.pid. Fails if a
daemon already runs on the same queue or if the daemon cannot start (the
reason is printed). While a one-shot \`mailsrv flush\` delivers from the queue,
the daemon waits for it to finish, and so does this command.`,
  options: {},
  async run(context) {
    const config = await configFor(context);
    const running = await ping(config.queue_directory);
    if (running) {
      context.warn(
        `mailsrv: the mail system is already running (pid ${running})`,
      );
      return EXIT.failure;
    }
    const self = selfCommand([
      "run",
      "--quiet",
      ...(context.configPath ? ["--config", context.configPath] : []),
    ]);
    const child = new Deno.Command(self.command, {
      args: self.args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      detached: true,
    }).spawn();
    const stderr = collect(child.stderr);
    let exited: Deno.CommandStatus | undefined;
    child.status.then((s) => exited = s);
    let deadline = Date.now() + READY_TIMEOUT_MS;
    let toldWaiting = false;
    while (Date.now() < deadline) {
      if (exited) break;
      // A one-shot run holds the queue: the daemon waits, and so do we.
      const holder = await heldByOneShotRun(config.queue_directory);
      if (holder) {
        if (!toldWaiting) {
          context.print(
            `mailsrv: waiting for the one-shot queue run (pid ${holder.pid}) to finish\n`,
          );
          toldWaiting = true;
        }
        deadline = Date.now() + READY_TIMEOUT_MS;
      }
      const pid = await ping(config.queue_directory);
      if (pid) {
        stderr.cancel();
        child.unref();
        context.print(`mailsrv: started (pid ${pid})\n`);
        // Said once it runs: before that, a refusal is the one line to read.
        const logs = logDestinations(config, false);
        if (!logs.file && !logs.syslog) {
          context.warn(
            `mailsrv: warning: maillog_file is empty and there is no syslog socket "${config.syslog_socket}": the daemon logs nothing`,
          );
        }
        return EXIT.ok;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 100));
    context.warn(
      notStarted(
        exited ? `exit code ${exited.code}` : "not within 30 seconds",
        stderr.text(),
      ),
    );
    if (!exited) child.kill("SIGTERM");
    return EXIT.failure;
  },
};
