import assert from "node:assert/strict";
import { ConfigError } from "../../../src/config/config_error.ts";
import { explainTomlMistake } from "../../../src/config/toml_mistakes.ts";
import { parseConfig } from "../../../src/config/parse_config.ts";
import {
  namedTransport,
  PIPE_MACRO_NAMES,
  transportConfig,
} from "../../../src/config/transports.ts";
import { pipeMacroValues } from "../../../src/delivery/pipe/pipe_macros.ts";
import { isListenerParameter } from "../../../src/config/listener_parameters.ts";

const FILE = "/etc/mailsrv/mailsrv.toml";

function parse(text: string) {
  return parseConfig({
    file: FILE,
    text,
    homeDirectory: "/srv/home",
    system: {
      hostname: "mx.example.com",
      interfaces: [
        { family: "IPv4", address: "127.0.0.1", netmask: "255.0.0.0" },
      ],
    },
  }).config;
}

function errorOf(text: string): string {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  assert.fail(`no error for:\n${text}`);
}

const AMAVIS = `content_filter = "smtp-amavis:[127.0.0.1]:10024"

[[transport]]
name = "smtp-amavis"
kind = "smtp"
maxproc = 2
options = { smtp_data_done_timeout = "1200s", smtp_send_xforward_command = true, disable_dns_lookups = true, max_use = 20 }

[[transport]]
name = "lmtp-amavis"
kind = "lmtp"
options = { lmtp_data_done_timeout = 1200, lmtp_send_xforward_command = "yes" }

[[transport]]
name = "spamfilter"
kind = "pipe"
flags = "Rq"
user = "filter"
argv = "/usr/local/bin/filter.sh -f \${sender} -- \${recipient}"
time_limit = "5m"
`;

Deno.test("[[transport]] tables: smtp, lmtp (lmtp_ options) and pipe services", () => {
  const config = parse(AMAVIS);
  assert.equal(config.content_filter, "smtp-amavis:[127.0.0.1]:10024");
  assert.deepEqual(config.transports.map((t) => [t.name, t.kind]), [
    ["smtp-amavis", "smtp"],
    ["lmtp-amavis", "lmtp"],
    ["spamfilter", "pipe"],
  ]);
  const amavis = namedTransport(config.transports, "smtp-amavis");
  assert.equal(amavis?.maxproc, 2);
  const overlaid = transportConfig(config, amavis);
  assert.equal(overlaid.smtp_data_done_timeout, 1200);
  assert.equal(overlaid.smtp_send_xforward_command, true);
  assert.equal(overlaid.disable_dns_lookups, true);
  assert.equal(config.smtp_send_xforward_command, false, "global unchanged");
  const lmtp = transportConfig(
    config,
    namedTransport(config.transports, "lmtp-amavis"),
  );
  assert.equal(lmtp.smtp_data_done_timeout, 1200);
  assert.equal(lmtp.smtp_send_xforward_command, true);
  const pipe = namedTransport(config.transports, "spamfilter")?.pipe;
  assert.deepEqual(pipe, {
    argv: [
      "/usr/local/bin/filter.sh",
      "-f",
      "${sender}",
      "--",
      "${recipient}",
    ],
    flags: "Rq",
    user: "filter",
    size: 0,
    timeLimit: 300,
    nullSender: "MAILER-DAEMON",
    eol: "\n",
  });
  assert.ok(Object.isFrozen(config.transports[0]));
});

Deno.test("[[transport]] mistakes name the file, line and key", () => {
  assert.equal(
    errorOf('[[transport]]\nname = "local"\nkind = "smtp"'),
    `${FILE}:2: transport.name: "local" is a built-in transport`,
  );
  assert.equal(
    errorOf('[[transport]]\nname = "scan"\nkind = "uucp"'),
    `${FILE}:3: transport.kind: "uucp" not a transport kind (allowed: smtp, lmtp, pipe)`,
  );
  assert.equal(
    errorOf(
      '[[transport]]\nname = "scan"\nkind = "smtp"\noptions = { smtp_send_xforward_comand = true }',
    ),
    `${FILE}:4: transport.options: smtp_send_xforward_comand: not an SMTP client parameter a transport may set (did you mean "smtp_send_xforward_command"?)`,
  );
  assert.equal(
    errorOf(
      '[[transport]]\nname = "scan"\nkind = "smtp"\noptions = { disable_dns_lookups = "maybe" }',
    ),
    `${FILE}:4: transport.options: disable_dns_lookups: "maybe" is not "yes" or "no"`,
  );
  assert.equal(
    errorOf('[[transport]]\nname = "p"\nkind = "pipe"\nargv = "filter.sh"'),
    `${FILE}:4: transport.argv: "filter.sh" is not an absolute path`,
  );
  assert.equal(
    errorOf(
      '[[transport]]\nname = "p"\nkind = "pipe"\nargv = "/bin/f ${recipent}"',
    ),
    `${FILE}:4: transport.argv: unknown macro "\${recipent}" (did you mean "recipient"?)`,
  );
  assert.equal(
    errorOf(
      '[[transport]]\nname = "p"\nkind = "pipe"\nflags = "Rz"\nargv = "/bin/f"',
    ),
    `${FILE}:4: transport.flags: unknown pipe flag "z" (known: BDFORXhqu.>)`,
  );
  assert.equal(
    errorOf(
      '[[transport]]\nname = "p"\nkind = "pipe"\nuser = "root"\nargv = "/bin/f"',
    ),
    `${FILE}:4: transport.user: a pipe transport may not run as root`,
  );
  assert.match(
    errorOf('[[transport]]\nname = "s"\nkind = "smtp"\nflags = "R"'),
    /:4: transport\.flags: unknown smtp transport setting/,
  );
  assert.equal(
    errorOf(
      '[[transport]]\nname = "s"\nkind = "smtp"\n\n[[transport]]\nname = "s"\nkind = "lmtp"',
    ),
    `${FILE}:6: transport.name: duplicate transport "s"`,
  );
  assert.equal(
    errorOf('[[transport]]\nname = "p"\nkind = "pipe"'),
    `${FILE}:1: transport.argv: a pipe transport needs argv`,
  );
});

Deno.test("content_filter, mynetworks and receive_override_options are listener parameters", () => {
  for (
    const name of [
      "content_filter",
      "mynetworks",
      "smtpd_authorized_xforward_hosts",
      "receive_override_options",
    ]
  ) {
    assert.equal(isListenerParameter(name), true, name);
  }
  const config = parse(`mynetworks = "192.0.2.0/24"

[[listener]]
address = "127.0.0.1"
port = 10026
options = { content_filter = "", mynetworks = "127.0.0.0/8", smtpd_recipient_restrictions = "permit_mynetworks, reject", receive_override_options = "no_unknown_recipient_checks, no_address_mappings" }
`);
  assert.deepEqual(config.mynetworks, ["192.0.2.0/24"]);
  assert.deepEqual(config.listeners[0].smtpd?.mynetworks, ["127.0.0.0/8"]);
  assert.equal(config.listeners[0].smtpd?.content_filter, "");
  // A table in a listener's mynetworks is read as at the top level.
  const tabled = parse(`[[listener]]
address = "127.0.0.1"
port = 10026
options = { mynetworks = "127.0.0.0/8, cidr:filters.cidr" }
`);
  assert.deepEqual(tabled.listeners[0].smtpd?.mynetworks, [
    "127.0.0.0/8",
    "cidr:/etc/mailsrv/filters.cidr",
  ]);
  assert.match(
    errorOf(`[[listener]]
address = "127.0.0.1"
port = 10026
options = { mynetworks = "127.0.0.300/8" }
`),
    /:4: listener\.options: mynetworks: "127\.0\.0\.300\/8" is not a valid network/,
  );
  assert.deepEqual(config.listeners[0].smtpd?.receive_override_options, [
    "no_unknown_recipient_checks",
    "no_address_mappings",
  ]);
});

Deno.test("the macro names the loader accepts are the ones the pipe agent fills in", () => {
  const values = pipeMacroValues({
    sender: "",
    recipient: "a@b",
    nexthop: "",
    size: 0,
    queueId: "Q",
    delimiter: "",
    nullSender: "MAILER-DAEMON",
  }, "");
  assert.deepEqual(Object.keys(values).sort(), [...PIPE_MACRO_NAMES].sort());
});

Deno.test("the README's content filter recipes load", async () => {
  const readme = await Deno.readTextFile(
    new URL("../../../README.md", import.meta.url),
  );
  const section = readme.split("## Content filters")[1].split("\n## ")[0];
  const blocks = [...section.matchAll(/^```toml\n([\s\S]*?)^```$/gm)].map((
    m,
  ) => m[1]);
  assert.equal(blocks.length, 3);
  const clamsmtpd = parse(blocks[0]);
  assert.equal(clamsmtpd.content_filter, "scan:[127.0.0.1]:10025");
  assert.deepEqual(clamsmtpd.listeners[1].smtpd?.mynetworks, ["127.0.0.0/8"]);
  const amavis = parse(blocks[1]);
  assert.equal(amavis.transports[0].options?.smtp_data_done_timeout, 1200);
  assert.equal(parse(blocks[2]).transports[0].kind, "pipe");
});

Deno.test("a parameter after a [[transport]] table is told to move above it", () => {
  const text = '[[transport]]\nname = "scan"\nkind = "smtp"\n' +
    'content_filter = "scan:[127.0.0.1]:10025"\n';
  let error: unknown;
  try {
    parse(text);
  } catch (e) {
    error = explainTomlMistake(e, text);
  }
  assert.ok(error instanceof ConfigError);
  assert.equal(
    error.message,
    `${FILE}:4: content_filter: this parameter is inside a [[transport]] ` +
      "table: in TOML every line after a table header belongs to that " +
      "table; move it above the first [[transport]] line (line 1)",
  );
});
