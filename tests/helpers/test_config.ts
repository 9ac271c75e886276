/**
 * One complete `Config` literal for unit tests, with Postfix's defaults;
 * each test folder's fixture overrides what its tests care about.
 */
import type { Config } from "../../src/config/types.ts";

/** A frozen Config: Postfix defaults, `mx.example.org`, then `overrides`. */
export function baseTestConfig(overrides: Partial<Config> = {}): Config {
  return Object.freeze({
    configFile: null,
    homeDirectory: "/nonexistent/mailsrv-test",
    myhostname: "mx.example.org",
    mydomain: "example.org",
    myorigin: "example.org",
    mydestination: ["example.org", "localhost"],
    mynetworks: ["127.0.0.0/8", "::1/128"],
    mynetworks_style: "host",
    inet_interfaces: ["127.0.0.1"],
    queue_directory: "/nonexistent/mailsrv-test/queue",
    message_size_limit: 10_240_000,
    smtpd_recipient_limit: 1000,
    smtpd_timeout: 300,
    smtpd_banner: "mx.example.org ESMTP mailsrv",
    default_process_limit: 100,
    smtpd_forbid_bare_newline: "normalize",
    home_mailbox: "",
    mail_spool_directory: "/var/mail",
    local_recipient_maps: [],
    recipient_delimiter: "",
    alias_maps: [],
    allow_mail_to_commands: ["alias", "forward"],
    allow_mail_to_files: ["alias", "forward"],
    default_privs: "nobody",
    command_time_limit: 1000,
    local_command_shell: "/bin/sh",
    mailbox_command: "",
    forward_path: [
      "$home/.forward${recipient_delimiter}${extension}",
      "$home/.forward",
    ],
    owner_request_special: true,
    expand_owner_alias: false,
    hopcount_limit: 50,
    bounce_size_limit: 50_000,
    maillog_file: "",
    minimal_backoff_time: 300,
    maximal_backoff_time: 4000,
    maximal_queue_lifetime: 5 * 86400,
    queue_run_delay: 300,
    qmgr_message_active_limit: 20000,
    default_destination_concurrency_limit: 20,
    listeners: [],
    ...overrides,
  });
}
