/**
 * Parameter rows: smtpd access control and anti-abuse (restriction lists,
 * policy services, greylisting, error limits, client rates).
 *
 * DESCRIPTION
 *   The parameters of Postfix's smtpd_check and anvil(8) that mailsrv
 *   reads, plus the built-in greylist's own (`smtpd_greylist_*`, which
 *   Postfix leaves to postgrey). `smtpd_relay_restrictions` stays with
 *   the SMTP server's rows (`smtpd.ts`).
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import type { Parameter } from "../parameter_row.ts";

/** Restriction lists, policy services, greylisting, limits and rates. */
export const SMTPD_POLICY_PARAMETERS = [
  {
    name: "smtpd_client_restrictions",
    kind: "list",
    defaultValue: "",
    description: "Restrictions on the client's address and name " +
      "(at RCPT unless smtpd_delay_reject = no).",
  },
  {
    name: "smtpd_helo_restrictions",
    kind: "list",
    defaultValue: "",
    description: "Restrictions on the HELO/EHLO name.",
  },
  {
    name: "smtpd_sender_restrictions",
    kind: "list",
    defaultValue: "",
    description: "Restrictions on the MAIL FROM address.",
  },
  {
    name: "smtpd_recipient_restrictions",
    kind: "list",
    defaultValue: "",
    description: "Restrictions on the RCPT TO address, after " +
      "smtpd_relay_restrictions.",
  },
  {
    name: "smtpd_data_restrictions",
    kind: "list",
    defaultValue: "",
    description: "Restrictions applied to the DATA command.",
  },
  {
    name: "smtpd_end_of_data_restrictions",
    kind: "list",
    defaultValue: "",
    description: "Restrictions applied at the end of the message content.",
  },
  {
    name: "smtpd_delay_reject",
    kind: "boolean",
    defaultValue: "yes",
    description: "Apply the client, HELO and sender restrictions at RCPT " +
      "TO, as Postfix does by default.",
  },
  {
    name: "parent_domain_matches_subdomains",
    kind: "list",
    defaultValue: "debug_peer_list, fast_flush_domains, mynetworks, " +
      "permit_mx_backup_networks, qmqpd_authorized_clients, relay_domains, " +
      "smtpd_access_maps",
    description: "Features where example.com also matches its " +
      "subdomains; without smtpd_access_maps, access tables need " +
      ".example.com keys for subdomains.",
  },
  {
    name: "smtpd_policy_service_timeout",
    kind: "duration",
    defaultValue: "100s",
    description: "How long a check_policy_service server may take to " +
      "answer.",
  },
  {
    name: "smtpd_policy_service_default_action",
    kind: "string",
    defaultValue: "451 4.3.5 Server configuration problem",
    description: "The action when a policy service cannot be reached or " +
      "does not answer.",
  },
  {
    name: "smtpd_client_name_timeout",
    kind: "duration",
    defaultValue: "10s",
    description: "How long smtpd looks for the client's name (PTR, then " +
      "the forward check) before calling it unknown.",
  },
  {
    name: "smtpd_greylist_delay",
    kind: "duration",
    defaultValue: "300s",
    minimum: 0,
    description: "check_greylist: how long a new (client network, " +
      "sender, recipient) triplet is deferred.",
  },
  {
    name: "smtpd_greylist_retry_window",
    kind: "duration",
    defaultValue: "2d",
    description: "check_greylist: how long after the first attempt a " +
      "retry is accepted; later, the triplet starts over.",
  },
  {
    name: "smtpd_greylist_auto_whitelist",
    kind: "integer",
    defaultValue: "5",
    minimum: 0,
    description: "check_greylist: a client network that passed this " +
      "many times is no longer greylisted (0: never).",
  },
  {
    name: "smtpd_greylist_max_age",
    kind: "duration",
    defaultValue: "35d",
    description: "check_greylist: entries unused this long are removed.",
  },
  {
    name: "smtpd_greylist_default_action",
    kind: "enum",
    values: ["defer", "dunno"],
    defaultValue: "defer",
    description: "check_greylist while the shared_state store cannot " +
      "be reached: defer (450, as a policy service that is down) or " +
      "dunno (go on with the next restriction).",
  },
  {
    name: "shared_state",
    kind: "string",
    defaultValue: "",
    description: "Where greylisting, pop-before-smtp and the client " +
      "rate counters live: empty for the embedded SQLite file under " +
      "queue_directory, sqlite:/path, or redis://host:port/db, " +
      "rediss://…, redis-sentinel://host:port,…/master/db, " +
      "redis-cluster://host:port,… to share them between hosts " +
      "(read at start).",
  },
  {
    name: "smtpd_error_sleep_time",
    kind: "duration",
    defaultValue: "1s",
    minimum: 0,
    description: "The delay before each error reply once the client " +
      "made smtpd_soft_error_limit errors.",
  },
  {
    name: "smtpd_soft_error_limit",
    kind: "integer",
    defaultValue: "10",
    minimum: 0,
    description: "Errors after which each error reply is delayed by " +
      "smtpd_error_sleep_time.",
  },
  {
    name: "smtpd_hard_error_limit",
    kind: "integer",
    defaultValue: "20",
    description: "Errors after which the client is disconnected.",
  },
  {
    name: "smtpd_stress_hard_error_limit",
    kind: "integer",
    defaultValue: "1",
    minimum: 1,
    description: "smtpd_hard_error_limit while the listener is under " +
      "stress (80% of default_process_limit in use; Postfix's " +
      "${stress?{1}:{20}}).",
  },
  {
    name: "smtpd_junk_command_limit",
    kind: "integer",
    defaultValue: "100",
    minimum: 1,
    description: "NOOP, VRFY, ETRN and RSET commands a client may send " +
      "before each further one counts as an error.",
  },
  {
    name: "smtpd_stress_junk_command_limit",
    kind: "integer",
    defaultValue: "1",
    minimum: 1,
    description: "smtpd_junk_command_limit while the listener is under " +
      "stress (80% of default_process_limit in use; Postfix's " +
      "${stress?{1}:{100}}).",
  },
  {
    name: "smtpd_client_connection_count_limit",
    kind: "integer",
    defaultValue: "50",
    minimum: 0,
    description: "Simultaneous connections one client may have on a " +
      "listener; more get 421 4.7.0 at once (0: no limit).",
  },
  {
    name: "smtpd_client_connection_rate_limit",
    kind: "integer",
    defaultValue: "0",
    minimum: 0,
    description: "Connections one client may make per " +
      "anvil_rate_time_unit (0: no limit).",
  },
  {
    name: "smtpd_client_message_rate_limit",
    kind: "integer",
    defaultValue: "0",
    minimum: 0,
    description: "Messages one client may send per anvil_rate_time_unit " +
      "(0: no limit).",
  },
  {
    name: "smtpd_client_auth_rate_limit",
    kind: "integer",
    defaultValue: "0",
    minimum: 0,
    description: "AUTH commands one client may send per " +
      "anvil_rate_time_unit (0: no limit).",
  },
  {
    name: "anvil_rate_time_unit",
    kind: "duration",
    defaultValue: "60s",
    description: "The time unit of the smtpd_client_*_rate_limit " +
      "parameters.",
  },
  {
    name: "smtpd_client_event_limit_exceptions",
    kind: "list",
    syntax: "network",
    defaultValue: "$mynetworks",
    description: "Clients exempt from the connection count and rate " +
      "limits.",
  },
] as const satisfies readonly Parameter[];
