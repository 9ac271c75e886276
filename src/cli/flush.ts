/**
 * `mailsrv flush` — deliver deferred mail now (Postfix `postqueue -f`,
 * `postqueue -s SITE`), e.g. from a ppp `ip-up` hook when the link comes
 * up.
 *
 * DESCRIPTION
 *   With the daemon running, asks it through the control socket. With the
 *   daemon stopped, delivers in this process (a one-shot queue run,
 *   src/master/one_shot_run.ts) and exits when done, holding the queue
 *   lock meanwhile so a daemon started during the run waits for it.
 *   `--wait` reports the run (flush_report.ts); without it a flush through
 *   the daemon returns at once.
 */
import { type Command, EXIT, UsageError } from "./command.ts";
import { configFor } from "./daemon_client.ts";
import {
  type ControlReply,
  controlRequest,
  DaemonNotRunningError,
} from "../master/control.ts";
import { runQueueOnce } from "../master/one_shot_run.ts";
import type { QueueHolder } from "../master/queue_lock.ts";
import type { FlushedMessage, FlushReport } from "../queue/mod.ts";
import { isHostName } from "../resolve/host_name.ts";
import {
  flushExitCode,
  formatFlushedMessage,
  formatFlushReport,
} from "./flush_report.ts";

/** The `--site` operand as a domain, or a usage error. */
function siteOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const site = String(value).replace(/^[@#]/, "").toLowerCase();
  if (!isHostName(site)) {
    throw new UsageError(`invalid site "${value}": expected a domain name`);
  }
  return site;
}

function busyText(queueDirectory: string, holder: QueueHolder | undefined) {
  if (holder?.kind === "flush") {
    return `another one-shot queue run (pid ${holder.pid}) is delivering ` +
      `from "${queueDirectory}"; try again when it has finished`;
  }
  return `the daemon${
    holder ? ` (pid ${holder.pid})` : ""
  } holds queue "${queueDirectory}" but does not answer yet; try again`;
}

/** The `flush` subcommand. */
export const flushCommand: Command = {
  name: "flush",
  summary: "attempt delivery of deferred mail now",
  usage: "flush [--config PATH] [--site DOMAIN] [--wait]",
  description:
    `Retries every deferred message at once instead of waiting for its retry
time, including mail held by defer_transports — what a dial-up box runs from
/etc/ppp/ip-up.d/ when the link comes up. With the daemon running, the daemon
does it and the command returns at once; with the daemon stopped, the command
delivers what it can itself and exits when done (a daemon started meanwhile
waits for it).

--site DOMAIN (Postfix postqueue -s) tries only the deferred mail with a
recipient in DOMAIN, as the SMTP command ETRN DOMAIN does.

--wait returns when the run is over and prints a summary (and, on a
terminal, a line per message). Exit status: 0 nothing left deferred, 75 some
mail still deferred (try again later), 1 a queue file could not be processed
(see the maillog).`,
  options: {
    site: { type: "string", short: "s" },
    wait: { type: "boolean", short: "w" },
  },
  async run(context) {
    const site = siteOf(context.values.site);
    const wait = context.values.wait === true;
    const config = await configFor(context);
    const progress = wait && Deno.stdout.isTerminal()
      ? (message: FlushedMessage) =>
        context.print(formatFlushedMessage(message) + "\n")
      : undefined;
    const finished = (report: FlushReport) => {
      if (!wait) return report.errors > 0 ? EXIT.failure : EXIT.ok;
      context.print(formatFlushReport(report) + "\n");
      return flushExitCode(report);
    };
    let reply: ControlReply;
    try {
      reply = await controlRequest(
        config.queue_directory,
        { command: "flush", ...(site ? { site } : {}), wait },
        wait ? Infinity : 60_000,
        progress && ((event) => progress(event as unknown as FlushedMessage)),
      );
    } catch (e) {
      if (!(e instanceof DaemonNotRunningError)) throw e;
      const result = await runQueueOnce(config, { site, progress });
      if (result.kind === "busy") {
        context.warn(
          `mailsrv: ${busyText(config.queue_directory, result.holder)}`,
        );
        return EXIT.tempfail;
      }
      return finished(result.report);
    }
    if (!reply.ok) {
      context.warn(`mailsrv: flush failed: ${reply.error}`);
      return EXIT.failure;
    }
    return wait ? finished(reply.report as FlushReport) : EXIT.ok;
  },
};
