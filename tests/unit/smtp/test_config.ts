/**
 * A `Config` for smtpd unit tests: local domains `example.org` and
 * `localhost`, loopback in `mynetworks`, Postfix's default limits.
 */
import type { Config } from "../../../src/config/types.ts";

/** A complete Config literal; `overrides` replace single parameters. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
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
    message_size_limit: 10240000,
    smtpd_recipient_limit: 1000,
    smtpd_timeout: 300,
    smtpd_banner: "mx.example.org ESMTP mailsrv",
    default_process_limit: 100,
    smtpd_forbid_bare_newline: "normalize",
    home_mailbox: "",
    mail_spool_directory: "/var/mail",
    local_recipient_maps: [],
    recipient_delimiter: "",
    maillog_file: "",
    minimal_backoff_time: 300,
    maximal_backoff_time: 4000,
    maximal_queue_lifetime: 432000,
    queue_run_delay: 300,
    qmgr_message_active_limit: 20000,
    default_destination_concurrency_limit: 20,
    listeners: [],
    ...overrides,
  };
}
