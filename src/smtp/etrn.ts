/**
 * ETRN (RFC 1985): a client asks for the deferred mail of a site now.
 *
 * DESCRIPTION
 *   `ETRN example.com` asks smtpd to start delivering the mail queued
 *   for that domain, as Postfix's smtpd does it: the argument may start
 *   with `@` or `#` (RFC 1985's subdomain and queue-name forms; Postfix
 *   drops the first character if it is not a letter or digit, and so do
 *   we), must then be a host name, and the request becomes a flush of
 *   that site (the `flush-site` action; the daemon's queue manager runs
 *   `mailsrv flush --site` for it and the reply does not wait for it):
 *
 *     ETRN example.com                 250 Queuing started
 *     ETRN (no or two arguments)       500 5.5.2 Syntax: ETRN domain
 *     ETRN not_a_host!                 501 5.5.4 Error: invalid parameter syntax
 *     ETRN inside MAIL … DATA          503 5.5.1 Error: MAIL transaction in progress
 *     no queue manager (inetd session) 458 Unable to queue messages
 *
 *   A site with no deferred mail still gets 250, as in Postfix (its
 *   fast flush service answers OK when the site has no log file).
 *
 *   Differences from Postfix: mailsrv keeps no fast flush logs and has no
 *   fast_flush_domains; every site may be flushed, by every client (Postfix's
 *   smtpd_etrn_restrictions is empty by default too). An ETRN only makes the
 *   queue manager try mail that is already queued, to the hosts that mail
 *   is routed to, so it cannot send mail anywhere new; the cost is one scan
 *   of deferred/.
 *
 *   Used by the smtpd command table and session. Pure.
 *
 * STANDARDS
 *   RFC 1985 (SMTP Service Extension for Remote Message Queue Starting).
 */
import type { SmtpSession, Transition } from "./session_types.ts";
import { printable, reply } from "./replies.ts";
import { answer, clientLabel, logLine } from "./transitions.ts";
import { isHostName } from "../resolve/host_name.ts";

/** Refuses ETRN inside a mail transaction (RFC 1985 section 5). */
export function etrnCheck(s: SmtpSession) {
  return s.transaction === null
    ? null
    : reply(503, "5.5.1", "Error: MAIL transaction in progress");
}

/** Proceeds with `ETRN argument`. */
export function etrn(s: SmtpSession, argument: string): Transition {
  if (argument === "" || /[ \t]/.test(argument)) {
    return answer(s, "etrn", reply(500, "5.5.2", "Syntax: ETRN domain"));
  }
  const site = /^[A-Za-z0-9]/.test(argument) ? argument : argument.slice(1);
  if (!isHostName(site)) {
    return answer(
      s,
      "etrn",
      reply(501, "5.5.4", "Error: invalid parameter syntax"),
    );
  }
  return { session: s, actions: [{ type: "flush-site", site }] };
}

/**
 * Answers an ETRN once the adapter has asked for the flush.
 * @param queued the flush was handed to the queue manager
 */
export function etrnResult(
  s: SmtpSession,
  site: string,
  queued: boolean,
): Transition {
  if (queued) return answer(s, "etrn", reply(250, null, "Queuing started"));
  return answer(s, "etrn", reply(458, null, "Unable to queue messages"), {}, [
    logLine(
      `ETRN ${printable(site)} from ${
        clientLabel(s)
      }: no queue manager to start`,
      "warning",
    ),
  ]);
}
