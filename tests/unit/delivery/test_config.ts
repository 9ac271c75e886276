/**
 * A complete `Config` for delivery tests, with overrides.
 */
import type { Config } from "../../../src/config/types.ts";

/** The embedded-default-like configuration, changed by `overrides`. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return Object.freeze({
    configFile: null,
    homeDirectory: "/nonexistent",
    myhostname: "mx.example.org",
    mydomain: "example.org",
    myorigin: "mx.example.org",
    mydestination: ["mx.example.org", "localhost"],
    mynetworks: ["127.0.0.0/8"],
    mynetworks_style: "host",
    inet_interfaces: ["127.0.0.1"],
    queue_directory: "/nonexistent/queue",
    message_size_limit: 10_240_000,
    smtpd_recipient_limit: 1000,
    smtpd_timeout: 300,
    smtpd_banner: "mx.example.org ESMTP mailsrv",
    default_process_limit: 100,
    smtpd_forbid_bare_newline: "normalize",
    home_mailbox: "",
    mail_spool_directory: "/nonexistent/mail/",
    local_recipient_maps: [],
    recipient_delimiter: "+",
    maillog_file: "",
    minimal_backoff_time: 300,
    maximal_backoff_time: 4000,
    maximal_queue_lifetime: 432000,
    queue_run_delay: 300,
    qmgr_message_active_limit: 20000,
    default_destination_concurrency_limit: 20,
    listeners: [],
    ...overrides,
  });
}
