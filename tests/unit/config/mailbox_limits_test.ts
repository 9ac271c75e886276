import assert from "node:assert/strict";
import { ConfigError } from "../../../src/config/config_error.ts";
import { parseConfig } from "../../../src/config/parse_config.ts";

const FILE = "/etc/mailsrv/mailsrv.toml";

function parse(text: string) {
  return parseConfig({
    file: FILE,
    text,
    homeDirectory: "/srv",
    system: { hostname: "mx.example.com", interfaces: [] },
  }).config;
}

function errorOf(text: string): string {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  assert.fail("no error");
}

Deno.test("the mailbox limits default to Postfix's 51200000 bytes; 0 is no limit", () => {
  const config = parse("");
  assert.equal(config.mailbox_size_limit, 51200000);
  assert.equal(config.virtual_mailbox_limit, 51200000);
  const unlimited = parse(
    "mailbox_size_limit = 0\nmessage_size_limit = 60000000\n",
  );
  assert.equal(unlimited.mailbox_size_limit, 0);
});

Deno.test("a mailbox limit smaller than message_size_limit is refused, naming both", () => {
  assert.equal(
    errorOf(
      "message_size_limit = 20000\n# small\nmailbox_size_limit = 10000\n",
    ),
    `${FILE}:3: mailbox_size_limit: mailbox_size_limit (10000) is smaller ` +
      "than message_size_limit (20000): mail of that size would be " +
      "accepted and then bounced; raise mailbox_size_limit or set it to 0 " +
      "(no limit)",
  );
  assert.equal(
    errorOf("\nmessage_size_limit = 60000000\n"),
    `${FILE}:2: message_size_limit: message_size_limit (60000000) is ` +
      "larger than mailbox_size_limit (51200000): mail of that size would " +
      "be accepted and then bounced; lower message_size_limit, or raise " +
      "mailbox_size_limit or set it to 0 (no limit)",
  );
  assert.equal(
    parse("mailbox_size_limit = 20000\nmessage_size_limit = 20000")
      .mailbox_size_limit,
    20000,
  );
});

Deno.test("virtual_mailbox_limit is checked only when there are virtual domains", () => {
  const text = "message_size_limit = 20000\nvirtual_mailbox_limit = 10000\n";
  assert.equal(parse(text).virtual_mailbox_limit, 10000);
  assert.match(
    errorOf(text + 'virtual_mailbox_domains = "example.net"\n'),
    /:2: virtual_mailbox_limit: virtual_mailbox_limit \(10000\) is smaller than message_size_limit \(20000\)/,
  );
});
