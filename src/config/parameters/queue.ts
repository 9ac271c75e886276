/**
 * Parameter rows: the queue and its manager (retries, lifetime, bounces,
 * concurrency).
 *
 * DESCRIPTION
 *   The parameters Postfix's qmgr(8) and bounce(8) read, and the queue's
 *   directory.
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The queue's parameters. */
export const QUEUE_PARAMETERS = [
  {
    name: "queue_directory",
    kind: "path",
    defaultValue: "/var/spool/mailsrv",
    embeddedDefault: "var/queue",
    description: "The directory of the mail queue.",
  },
  {
    name: "queue_minfree",
    kind: "size",
    defaultValue: "0",
    minimum: 0,
    description: "Free bytes the queue file system must keep: MAIL FROM " +
      "gets 452 4.3.1 below the larger of this and 1.5 x " +
      "message_size_limit.",
  },
  {
    name: "bounce_size_limit",
    kind: "size",
    defaultValue: "50000",
    description: "Bytes of the original message returned in a bounce.",
  },
  {
    name: "minimal_backoff_time",
    kind: "duration",
    defaultValue: "300s",
    description: "The shortest time between delivery attempts of a " +
      "deferred message.",
  },
  {
    name: "maximal_backoff_time",
    kind: "duration",
    defaultValue: "4000s",
    description: "The longest time between delivery attempts of a " +
      "deferred message.",
  },
  {
    name: "maximal_queue_lifetime",
    kind: "duration",
    defaultValue: "5d",
    minimum: 0,
    description: "How long a message may stay in the queue before it " +
      "bounces.",
  },
  {
    name: "bounce_queue_lifetime",
    kind: "duration",
    defaultValue: "5d",
    minimum: 0,
    description: "How long a message from the null sender (a bounce or " +
      "other notice) may stay in the queue before it is given up on.",
  },
  {
    name: "delay_warning_time",
    kind: "duration",
    defaultValue: "0h",
    minimum: 0,
    description: "How long a message may wait in the queue before its " +
      "sender is warned, once, that it is delayed (0: never warn).",
  },
  {
    name: "2bounce_notice_recipient",
    kind: "string",
    defaultValue: "postmaster",
    description: "Who gets undeliverable mail from the null sender " +
      "(double bounces).",
  },
  {
    name: "queue_run_delay",
    kind: "duration",
    defaultValue: "300s",
    description: "The time between scans of the deferred queue.",
  },
  {
    name: "max_idle",
    kind: "duration",
    defaultValue: "100s",
    description:
      "How long the queue manager's, local delivery's, the SMTP client's and the auth thread wait with nothing to do before they exit (each starts again when needed).",
  },
  {
    name: "qmgr_message_active_limit",
    kind: "integer",
    defaultValue: "20000",
    description: "The most messages the queue manager keeps in memory.",
  },
  {
    name: "default_destination_concurrency_limit",
    kind: "integer",
    defaultValue: "20",
    description: "The most deliveries at once to one destination, for " +
      "transports without a limit of their own.",
  },
] as const satisfies readonly Parameter[];
