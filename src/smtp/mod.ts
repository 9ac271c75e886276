/**
 * smtpd: the SMTP server role of mailsrv.
 *
 * DESCRIPTION
 *   The public face of `src/smtp/`: the listener the master starts, the
 *   connection adapter for inetd-style use, and the pure pieces (session
 *   state machine, address parser, DATA reader) for tools and tests.
 *
 *     server.ts            listening socket, drain on stop
 *     connection.ts        one session over a byte stream (the only I/O)
 *     session.ts           pure state machine: step(session, event, policy)
 *     commands.ts          command table (check / proceed per verb)
 *     transitions.ts       shared transition helpers, maillog lines
 *     address.ts           RFC 5321 path and mailbox grammar
 *     mail_parameters.ts   MAIL/RCPT ESMTP parameters (SIZE, BODY)
 *     line_reader.ts       command lines from bytes, 512-octet limit
 *     dot_reader.ts        DATA content from bytes, end only at CRLF.CRLF
 *     message_id.ts        Message-ID: for the cleanup log line
 *     received.ts          the Received: header
 *     replies.ts           reply shape and wire form
 *     client_name.ts       client address and name for logs
 */
export {
  serveSmtpConnection,
  type SmtpDeps,
  type SmtpListener,
  type SmtpStream,
  startSmtpListener,
} from "./server.ts";
export type { SessionControl } from "./connection.ts";
export {
  type DataSummary,
  inTransaction,
  newSession,
  type RecipientVerdict,
  type SessionAction,
  type SessionEvent,
  type SessionPolicy,
  type SmtpSession,
  step,
  type Transition,
} from "./session.ts";
export {
  formatMailbox,
  type Mailbox,
  type ParsedPath,
  parsePath,
} from "./address.ts";
export {
  DotReader,
  type DotReaderOutput,
  type DotReaderSummary,
} from "./dot_reader.ts";
export { type CommandLine, CommandLineReader } from "./line_reader.ts";
export { receivedHeader, rfc5322Date } from "./received.ts";
export { formatReply, type Reply, reply } from "./replies.ts";
