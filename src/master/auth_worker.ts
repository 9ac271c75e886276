/**
 * The auth thread: SMTP AUTH's password checks, as Dovecot's auth process
 * serves Postfix's smtpd.
 *
 * DESCRIPTION
 *   Runs in a Worker the master starts with the `auth` role's grants
 *   (role_permissions.ts): it reads the SASL users file
 *   (smtpd_sasl_users_file), the POP3 passwd files and the virtual tables
 *   that say which domains have virtual users; it writes nothing but its
 *   log, has no net and runs nothing. So smtpd's thread, which parses
 *   network input, cannot read a password hash.
 *
 *   It serves smtpd's thread over the port the `start` message brings
 *   (auth_protocol.ts): each `authenticate` is one check by the SASL
 *   authenticator (auth/sasl_authenticator.ts: the users file, then the
 *   virtual users' passwd files; an unknown name costs one dummy
 *   verification, as a wrong password does), answered with the logged
 *   name or null. A check that cannot be made (an unreadable file) is
 *   answered `failed` with the error's message, which smtpd logs and
 *   answers with 454 4.7.0. The tables and files are cached here between
 *   checks and re-read when they change.
 *
 *   A request this thread does not understand is a bug (or a taken-over
 *   smtpd): the thread dies, the master logs it and the next AUTH starts
 *   another.
 *
 *   Does NOT delay or count failed logins (smtpd does, failed_logins.ts)
 *   and never logs a password.
 */
import type { Config } from "../config/types.ts";
import { createSaslAuthenticator } from "../auth/sasl_authenticator.ts";
import { maillog } from "../log/maillog.ts";
import type {
  AuthAnswer,
  AuthRequest,
  FromAuth,
  ToAuth,
} from "./auth_protocol.ts";
import { configureLogging } from "./logging.ts";
import { reportCrashes } from "./thread_crash.ts";

reportCrashes();

/** The worker global, as far as this thread uses it. */
const thread = self as unknown as {
  postMessage(message: FromAuth): void;
  onmessage: ((event: MessageEvent<ToAuth>) => void) | null;
};

/** Serves smtpd's checks on `port`. */
function serve(port: MessagePort): void {
  const authenticate = createSaslAuthenticator({
    mapOptions: { log: maillog("auth") },
  });
  let config: Config | undefined;
  const answer = (message: AuthAnswer) => port.postMessage(message);
  port.onmessage = (event: MessageEvent<AuthRequest>) => {
    const asked = event.data;
    if (asked?.kind !== "authenticate" || typeof asked.password !== "string") {
      throw new Error("auth thread: a request it does not understand");
    }
    if (asked.config !== undefined) config = asked.config;
    const { request } = asked;
    authenticate(asked.username, asked.password, config!).then(
      (name) => answer({ kind: "authenticated", request, name: name ?? null }),
      (error) =>
        answer({
          kind: "failed",
          request,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  };
}

thread.onmessage = async (event) => {
  const { config, foreground, port } = event.data;
  try {
    await configureLogging(
      config,
      foreground,
      (message) => thread.postMessage({ kind: "syslog", message }),
    );
  } catch (error) {
    port.close();
    return thread.postMessage({
      kind: "failed",
      error: error instanceof Error ? error.message : String(error),
    });
  }
  serve(port);
};
