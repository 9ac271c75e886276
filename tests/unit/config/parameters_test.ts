import assert from "node:assert/strict";
import {
  type DefaultContext,
  defaultText,
  domainOfHostname,
  parameterNamed,
  parameterNames,
  PARAMETERS,
  qualifiedHostname,
} from "../../../src/config/parameters.ts";
import { VERSION } from "../../../src/version.ts";

const CONTEXT: DefaultContext = {
  hostname: "mx.example.com",
  interfaces: [],
  value: (name) => name === "mynetworks_style" ? "host" : "mx.example.com",
};

function defaultOf(name: string, embedded = false): string {
  const parameter = parameterNamed(name);
  assert.ok(parameter, name);
  return defaultText(parameter, CONTEXT, embedded);
}

Deno.test("every Config parameter is in the table, once", () => {
  const names = parameterNames();
  assert.equal(new Set(names).size, names.length);
  for (
    const name of [
      "myhostname",
      "mydomain",
      "myorigin",
      "mydestination",
      "mynetworks",
      "mynetworks_style",
      "inet_interfaces",
      "queue_directory",
      "message_size_limit",
      "smtpd_recipient_limit",
      "smtpd_timeout",
      "smtpd_banner",
      "default_process_limit",
      "smtpd_forbid_bare_newline",
      "home_mailbox",
      "mail_spool_directory",
      "local_recipient_maps",
      "recipient_delimiter",
      "maillog_file",
      "minimal_backoff_time",
      "maximal_backoff_time",
      "maximal_queue_lifetime",
      "queue_run_delay",
      "qmgr_message_active_limit",
      "default_destination_concurrency_limit",
      "mail_name",
      "mail_version",
    ]
  ) {
    assert.ok(parameterNamed(name), name);
  }
  assert.equal(parameterNamed("nosuch"), undefined);
  for (const parameter of PARAMETERS) {
    assert.ok(parameter.description.length > 10, parameter.name);
    assert.equal(parameter.kind === "enum", parameter.values !== undefined);
    assert.ok(Object.isFrozen(parameter));
  }
});

Deno.test("defaults are the ones Postfix documents", () => {
  assert.equal(defaultOf("myorigin"), "$myhostname");
  assert.equal(
    defaultOf("mydestination"),
    "$myhostname, localhost.$mydomain, localhost",
  );
  assert.equal(defaultOf("mynetworks_style"), "host");
  assert.equal(defaultOf("inet_interfaces"), "all");
  assert.equal(defaultOf("queue_directory"), "/var/spool/mailsrv");
  assert.equal(defaultOf("message_size_limit"), "10240000");
  assert.equal(defaultOf("smtpd_recipient_limit"), "1000");
  assert.equal(defaultOf("smtpd_timeout"), "300s");
  assert.equal(defaultOf("smtpd_banner"), "$myhostname ESMTP $mail_name");
  assert.equal(defaultOf("mail_name"), "mailsrv");
  assert.equal(defaultOf("mail_version"), VERSION);
  assert.equal(defaultOf("default_process_limit"), "100");
  assert.equal(defaultOf("smtpd_forbid_bare_newline"), "normalize");
  assert.equal(defaultOf("home_mailbox"), "");
  assert.equal(defaultOf("mail_spool_directory"), "/var/mail");
  assert.equal(defaultOf("local_recipient_maps"), "unix:passwd.byname");
  assert.equal(defaultOf("recipient_delimiter"), "");
  assert.equal(defaultOf("maillog_file"), "");
  assert.equal(defaultOf("minimal_backoff_time"), "300s");
  assert.equal(defaultOf("maximal_backoff_time"), "4000s");
  assert.equal(defaultOf("maximal_queue_lifetime"), "5d");
  assert.equal(defaultOf("queue_run_delay"), "300s");
  assert.equal(defaultOf("qmgr_message_active_limit"), "20000");
  assert.equal(defaultOf("default_destination_concurrency_limit"), "20");
});

Deno.test("machine-dependent defaults follow the context", () => {
  assert.equal(defaultOf("myhostname"), "mx.example.com");
  assert.equal(defaultOf("mydomain"), "example.com");
  assert.equal(defaultOf("mynetworks"), "127.0.0.0/8, ::1/128");
});

Deno.test("embedded defaults differ where the brief says", () => {
  assert.equal(defaultOf("queue_directory", true), "var/queue");
  assert.equal(defaultOf("mail_spool_directory", true), "var/mail/");
  assert.equal(defaultOf("mydestination", true), "localhost");
  assert.equal(defaultOf("local_recipient_maps", true), "");
  assert.equal(defaultOf("maillog_file", true), "var/log/maillog");
  assert.equal(defaultOf("mynetworks", true), "127.0.0.0/8, ::1/128");
  assert.equal(defaultOf("smtpd_timeout", true), "300s");
});

Deno.test("host names are qualified and domains derived as Postfix does", () => {
  assert.equal(qualifiedHostname("box"), "box.localdomain");
  assert.equal(qualifiedHostname("box.example.org"), "box.example.org");
  assert.equal(domainOfHostname("box.example.org"), "example.org");
  assert.equal(domainOfHostname("box"), "localdomain");
});
