/**
 * One complete `Config` for unit tests, with Postfix's defaults;
 * each test folder's fixture overrides what its tests care about.
 */
import { parseConfig } from "../../src/config/parse_config.ts";
import type { Config } from "../../src/config/types.ts";

/**
 * Every parameter at its default (an empty file on mx.example.org), so a
 * new row of the parameter table needs nothing here.
 */
const DEFAULTS: Config = parseConfig({
  file: "/nonexistent/mailsrv-test/mailsrv.toml",
  text: "",
  homeDirectory: "/nonexistent/mailsrv-test",
  system: { hostname: "mx.example.org", interfaces: [] },
}).config;

/** A frozen Config: Postfix defaults, `mx.example.org`, then `overrides`. */
export function baseTestConfig(overrides: Partial<Config> = {}): Config {
  return Object.freeze({
    ...DEFAULTS,
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
    virtual_mailbox_domains: [],
    virtual_mailbox_base: "",
    virtual_mailbox_maps: [],
    virtual_alias_maps: [],
    virtual_uid_maps: [],
    virtual_gid_maps: [],
    virtual_minimum_uid: 100,
    virtual_mailbox_lock: ["fcntl", "dotlock"],
    pop3_passwd_directory: "/etc/virtual",
    pop3_plaintext_logins: "loopback",
    pop3_timeout: 300,
    pop3_failed_login_delay: 2,
    pop3_max_failed_logins: 3,
    pop3_max_bad_commands: 10,
    pop3_tls_cert_file: "",
    pop3_tls_key_file: "",
    pop_before_smtp_window: 1800,
    smtpd_tls_cert_file: "",
    smtpd_tls_key_file: "",
    smtpd_tls_chain_files: [],
    smtpd_tls_security_level: "may",
    smtpd_tls_wrappermode: false,
    smtpd_sasl_auth_enable: false,
    smtpd_tls_auth_only: true,
    smtpd_sasl_authenticated_header: false,
    smtpd_sasl_users_file: "",
    smtpd_sasl_failed_auth_delay: 0,
    smtpd_sasl_max_failed_auths: 3,
    smtpd_sender_login_maps: [],
    disable_vrfy_command: false,
    smtpd_relay_restrictions: [
      "permit_mynetworks",
      "reject_unauth_destination",
    ],
    maillog_file: "",
    minimal_backoff_time: 300,
    maximal_backoff_time: 4000,
    maximal_queue_lifetime: 5 * 86400,
    queue_run_delay: 300,
    max_idle: 100,
    qmgr_message_active_limit: 20000,
    default_destination_concurrency_limit: 20,
    listeners: [],
    ...overrides,
  });
}
