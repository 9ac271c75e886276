import assert from "node:assert/strict";
import { readParameterValue } from "../../../src/config/parameter_value.ts";
import { parameterNamed } from "../../../src/config/parameters.ts";
import { ValueError } from "../../../src/config/values.ts";

function read(name: string, text: string): unknown {
  const parameter = parameterNamed(name);
  assert.ok(parameter, name);
  return readParameterValue(
    parameter,
    text,
    (path) => path === "" ? "" : `/base/${path}`,
  );
}

Deno.test("numbers are read by kind and held to their minimum", () => {
  assert.equal(read("message_size_limit", "10240000"), 10240000);
  assert.equal(read("smtpd_timeout", "5m"), 300);
  assert.equal(read("maximal_queue_lifetime", "0"), 0);
  assert.throws(() => read("smtpd_timeout", "0s"), /must be at least 1, not 0/);
  assert.throws(() => read("default_process_limit", "0"), ValueError);
});

Deno.test("lists are split and their items checked", () => {
  assert.deepEqual(read("mydestination", "Example.COM. localhost"), [
    "example.com",
    "localhost",
  ]);
  assert.deepEqual(read("mynetworks", "[::1]/128 10.0.0.0/8"), [
    "::1/128",
    "10.0.0.0/8",
  ]);
  assert.deepEqual(read("inet_interfaces", "all"), ["all"]);
  assert.deepEqual(read("local_recipient_maps", "proxy:unix:passwd.byname"), [
    "proxy:unix:passwd.byname",
  ]);
  assert.deepEqual(read("local_recipient_maps", ""), []);
  assert.throws(
    () => read("mynetworks", "10.0.0.1/8"),
    /did you mean "10\.0\.0\.0\/8"/,
  );
});

Deno.test("paths are resolved; only optional ones may be empty", () => {
  assert.equal(read("queue_directory", "queue"), "/base/queue");
  assert.equal(read("maillog_file", ""), "");
  assert.throws(() => read("mail_spool_directory", ""), /a path is required/);
});

Deno.test("enums and strings are checked", () => {
  assert.equal(read("mynetworks_style", "class"), "class");
  assert.throws(
    () => read("mynetworks_style", "Class"),
    /"Class" is not one of: host, subnet, class/,
  );
  assert.equal(read("myhostname", "mx.example.com."), "mx.example.com");
  assert.equal(read("home_mailbox", "Maildir/"), "Maildir/");
  assert.equal(read("smtpd_banner", "anything at all"), "anything at all");
});

Deno.test("a string value may not carry a line break or other control", () => {
  // A banner with a line break would let the configuration inject lines
  // into the SMTP greeting.
  assert.throws(
    () => read("smtpd_banner", "mx ESMTP\r\n250 fake"),
    (e) => e instanceof ValueError && /control character "\\r"/.test(e.message),
  );
  assert.throws(() => read("mailbox_command", "procmail\n-a"), ValueError);
  assert.equal(read("smtpd_banner", "mx\tESMTP"), "mx\tESMTP");
});
