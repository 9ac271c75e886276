/**
 * Parameter rows: how many deliveries run at once per destination, as
 * Postfix's queue manager schedules them.
 *
 * DESCRIPTION
 *   A destination is a transport and its nexthop (an MX domain, a
 *   `[host]:port`) or, for local delivery, one recipient. Concurrency
 *   starts at initial_destination_concurrency and grows by one with each
 *   delivery that reaches the destination, up to the transport's limit;
 *   a destination that cannot be reached falls back to the start and is
 *   left alone ("dead") until minimal_backoff_time has passed.
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** The scheduler's parameters. */
export const SCHEDULER_PARAMETERS = [
  {
    name: "initial_destination_concurrency",
    kind: "integer",
    defaultValue: "5",
    description: "Deliveries at once to a destination before it has " +
      "shown it takes mail (slow start).",
  },
  {
    name: "smtp_destination_concurrency_limit",
    kind: "integer",
    defaultValue: "$default_destination_concurrency_limit",
    description: "The most SMTP deliveries at once to one nexthop.",
  },
  {
    name: "local_destination_concurrency_limit",
    kind: "integer",
    defaultValue: "2",
    description:
      "The most deliveries at once to one local recipient; a Maildir delivery gives its place up once the message is in new/, while new/ is fsynced.",
  },
] as const satisfies readonly Parameter[];
