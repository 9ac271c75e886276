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
 *   (auth_protocol.ts, worker_serve.ts): each `authenticate` is one check
 *   by the SASL authenticator (auth/sasl_authenticator.ts: the users file,
 *   then the virtual users' passwd files; an unknown name costs one dummy
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
import { createSaslAuthenticator } from "../auth/sasl_authenticator.ts";
import { maillog } from "../log/maillog.ts";
import type { AuthAnswer, AuthRequest } from "./auth_protocol.ts";
import { serveRequests, serveWhenStarted } from "./worker_serve.ts";

serveWhenStarted((port) => {
  const authenticate = createSaslAuthenticator({
    mapOptions: { log: maillog("auth") },
  });
  serveRequests<AuthRequest, AuthAnswer>(port, {
    screen: (asked): asked is never => {
      if (
        asked?.kind !== "authenticate" || typeof asked.password !== "string"
      ) throw new Error("auth thread: a request it does not understand");
      return false;
    },
    answer: async (asked, config) => {
      const name = await authenticate(asked.username, asked.password, config);
      return { kind: "authenticated", name: name ?? null };
    },
    failure: (error) => ({
      kind: "failed",
      error: error instanceof Error ? error.message : String(error),
    }),
  });
});
