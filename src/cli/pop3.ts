/**
 * `mailsrv pop3` — the POP3 server alone, in the foreground or under inetd.
 *
 * DESCRIPTION
 *   Without options it runs only the `pop3` and `pop3s` listeners of the
 *   configuration (none is an error) until SIGTERM or SIGINT, then drains
 *   them: the vm-pop3d way of running POP3 next to another MTA. Maillog
 *   lines go to stderr and to `maillog_file` (or syslog when it is empty).
 *
 *   With `--inetd` it serves exactly one session on stdin/stdout, as
 *   vm-pop3d does from inetd.conf, and logs only to `maillog_file` or syslog (stdout
 *   is the client). When stdin is a socket, the session reads and writes
 *   it directly and the client address is its peer; else (pipes) stdin
 *   and stdout are used and the address is `$TCPREMOTEIP` (tcpserver) or
 *   `$REMOTE_HOST` (xinetd) (src/net/stdin_socket.ts). So a loopback
 *   client may log in with a plaintext password as with the daemon
 *   (`pop3_plaintext_logins`).
 *   STLS is offered when `pop3_tls_cert_file` is set, TLS then running
 *   over the same socket (or pair of pipes); a certificate that cannot be
 *   loaded is logged and STLS is not offered, as Postfix's smtpd goes on
 *   without STARTTLS. inetd cannot do pop3s (implicit TLS).
 *
 *   The authenticator and the maildrops come from a `Pop3Deps` factory
 *   (`createPop3Command(createDeps)`), so this file needs nothing of them.
 *   Needs --allow-net (listeners), --allow-env (the client address),
 *   --allow-read for the certificate and whatever the deps need.
 *
 *   Before exiting (after the inetd session, or after draining), it waits
 *   up to 5 s for the pop-before-smtp records the sessions started
 *   (`Pop3Deps.finish`), so a login reaches a Redis store.
 *
 *   Does NOT run SMTP, the queue or delivery (see `mailsrv run`).
 */
import type { Command } from "./command.ts";
import { EXIT } from "./command.ts";
import type { Config } from "../config/types.ts";
import { loadConfig } from "../config/load.ts";
import { closeLogging, maillog } from "../log/maillog.ts";
import { configureLogging } from "../master/logging.ts";
import {
  type Pop3Stream,
  serveSession,
  startPop3Listener,
} from "../pop3/server.ts";
import type { Pop3Deps } from "../pop3/types.ts";
import type { Service } from "../master/services.ts";
import {
  inetdClientAddress,
  openStdinConnection,
} from "../net/stdin_socket.ts";
import { clientAddress } from "../net/client_name.ts";
import { loadTlsContext, type TlsContext } from "../net/server_tls.ts";

/** Makes what pop3d needs (authenticator, maildrops) for a configuration. */
export type CreatePop3Deps = (
  config: Config,
) => Pop3Deps | Promise<Pop3Deps>;

/** Seconds logged-in sessions may finish after SIGTERM. */
const STOP_DEADLINE_MS = 30_000;
/**
 * Milliseconds a finished process waits for pop-before-smtp records: a
 * Redis store's first connection and one command each time out in 2 s.
 */
const FINISH_DEADLINE_MS = 5_000;
const log = maillog("pop3d");

/** The `pop3` subcommand, with its deps factory. */
export function createPop3Command(createDeps: CreatePop3Deps): Command {
  return {
    name: "pop3",
    summary: "run the POP3 server (alone, or one session for inetd)",
    usage: "pop3 [--config PATH] [--inetd]",
    description:
      `Runs only the pop3 and pop3s listeners of the configuration, in the
foreground, until SIGTERM or SIGINT. With --inetd, serves one POP3 session
on standard input and output (inetd, xinetd, tcpserver): the client is the
peer of that socket (else $TCPREMOTEIP or $REMOTE_HOST), STLS is offered when
pop3_tls_cert_file is set, and logs go only to maillog_file (or syslog).`,
    options: { inetd: { type: "boolean" } },
    async run(context) {
      const config = await loadConfig({ path: context.configPath });
      const inetd = context.values.inetd === true;
      await configureLogging(config, !inetd);
      try {
        const deps = await createDeps(config);
        if (inetd) {
          const socket = openStdinConnection();
          const peer = inetdClientAddress(
            socket?.remoteAddress,
            (name) => Deno.env.get(name),
          );
          try {
            await serveSession(
              socket?.stream ?? stdio(),
              deps,
              { address: clientAddress(peer) },
              { context: await inetdTlsContext(config), implicit: false },
            );
          } finally {
            // The process exits next: let the login's record reach the
            // shared state (Redis) first.
            await deps.finish?.(FINISH_DEADLINE_MS);
          }
          return EXIT.ok;
        }
        const listeners = config.listeners.filter((l) =>
          l.kind === "pop3" || l.kind === "pop3s"
        );
        if (listeners.length === 0) {
          context.warn(
            "mailsrv pop3: the configuration has no pop3 or pop3s listener",
          );
          return EXIT.failure;
        }
        try {
          return await runListeners(listeners, deps);
        } finally {
          await deps.finish?.(FINISH_DEADLINE_MS);
        }
      } finally {
        await closeLogging();
      }
    },
  };
}

async function runListeners(
  listeners: Config["listeners"],
  deps: Pop3Deps,
): Promise<number> {
  const services: Service[] = [];
  try {
    for (const listener of listeners) {
      services.push(await startPop3Listener(listener, deps));
      log.info(
        `listening on ${listener.address}:${listener.port} (${listener.kind})`,
      );
    }
  } catch (e) {
    log.fatal(`cannot start POP3: ${(e as Error).message}`);
    await Promise.all(services.map((s) => s.drain(0)));
    return EXIT.failure;
  }
  const signals: Deno.Signal[] = ["SIGTERM", "SIGINT"];
  const handlers: [Deno.Signal, () => void][] = [];
  const why = await new Promise<Deno.Signal>((resolve) => {
    for (const signal of signals) {
      const handler = () => resolve(signal);
      handlers.push([signal, handler]);
      Deno.addSignalListener(signal, handler);
    }
  });
  for (const [signal, handler] of handlers) {
    Deno.removeSignalListener(signal, handler);
  }
  log.info(`stopping: ${why}`);
  await Promise.all(services.map((s) => s.drain(STOP_DEADLINE_MS)));
  return EXIT.ok;
}

/**
 * The certificate for STLS in an inetd session; null (no STLS) when none
 * is configured or it cannot be loaded. A failure is logged, not thrown:
 * stderr is the client's socket under inetd.
 */
async function inetdTlsContext(config: Config): Promise<TlsContext | null> {
  try {
    return await loadTlsContext(
      config.pop3_tls_cert_file,
      config.pop3_tls_key_file,
      { cert: "pop3_tls_cert_file", key: "pop3_tls_key_file" },
    );
  } catch (e) {
    log.warning(`${(e as Error).message}: STLS is not offered`);
    return null;
  }
}

/** stdin/stdout as one stream. */
function stdio(): Pop3Stream {
  return {
    read: (buffer) => Deno.stdin.read(buffer),
    write: (bytes) => Deno.stdout.write(bytes),
    close: () => {
      try {
        Deno.stdin.close();
      } catch {
        // Already closed.
      }
    },
  };
}
