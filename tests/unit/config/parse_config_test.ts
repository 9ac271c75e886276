import assert from "node:assert/strict";
import { ConfigError } from "../../../src/config/config_error.ts";
import { parseConfig } from "../../../src/config/parse_config.ts";
import type { SystemFacts } from "../../../src/config/system_facts.ts";
import { VERSION } from "../../../src/version.ts";

const FILE = "/etc/mailsrv/mailsrv.toml";
const SYSTEM: SystemFacts = {
  hostname: "mx.example.com",
  interfaces: [
    { family: "IPv4", address: "127.0.0.1", netmask: "255.0.0.0" },
    { family: "IPv4", address: "192.0.2.10", netmask: "255.255.255.0" },
  ],
};

function parse(text: string) {
  return parseConfig({
    file: FILE,
    text,
    homeDirectory: "/srv/home",
    system: SYSTEM,
  });
}

function embedded(system: SystemFacts = SYSTEM) {
  return parseConfig({
    file: null,
    text: "ignored = 1",
    homeDirectory: "/srv/home",
    system,
  });
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

Deno.test("an empty file gives the Postfix defaults", () => {
  const { config } = parse("");
  assert.equal(config.configFile, FILE);
  assert.equal(config.homeDirectory, "/etc/mailsrv");
  assert.equal(config.myhostname, "mx.example.com");
  assert.equal(config.mydomain, "example.com");
  assert.equal(config.myorigin, "mx.example.com");
  assert.deepEqual(config.mydestination, [
    "mx.example.com",
    "localhost.example.com",
    "localhost",
  ]);
  assert.deepEqual(config.mynetworks, [
    "127.0.0.0/8",
    "::1/128",
    "192.0.2.10/32",
  ]);
  assert.equal(config.mynetworks_style, "host");
  assert.deepEqual(config.inet_interfaces, ["all"]);
  assert.equal(config.queue_directory, "/var/spool/mailsrv");
  assert.equal(config.message_size_limit, 10240000);
  assert.equal(config.smtpd_recipient_limit, 1000);
  assert.equal(config.smtpd_timeout, 300);
  assert.equal(config.smtpd_banner, "mx.example.com ESMTP mailsrv");
  assert.equal(config.default_process_limit, 100);
  assert.equal(config.smtpd_forbid_bare_newline, "normalize");
  assert.equal(config.home_mailbox, "");
  assert.equal(config.mail_spool_directory, "/var/mail");
  assert.deepEqual(config.local_recipient_maps, ["unix:passwd.byname"]);
  assert.equal(config.recipient_delimiter, "");
  assert.equal(config.maillog_file, "");
  assert.equal(config.minimal_backoff_time, 300);
  assert.equal(config.maximal_backoff_time, 4000);
  assert.equal(config.maximal_queue_lifetime, 5 * 86400);
  assert.equal(config.queue_run_delay, 300);
  assert.equal(config.qmgr_message_active_limit, 20000);
  assert.equal(config.default_destination_concurrency_limit, 20);
  assert.deepEqual(config.listeners, [{
    address: "0.0.0.0",
    port: 25,
    kind: "smtp",
  }]);
});

Deno.test("the embedded default lives under the home directory", () => {
  const { config, view } = embedded();
  assert.equal(config.configFile, null);
  assert.equal(config.homeDirectory, "/srv/home");
  assert.equal(config.queue_directory, "/srv/home/var/queue");
  assert.equal(config.mail_spool_directory, "/srv/home/var/mail/");
  assert.equal(config.maillog_file, "/srv/home/var/log/maillog");
  assert.deepEqual(config.mydestination, ["localhost"]);
  assert.deepEqual(config.local_recipient_maps, []);
  assert.deepEqual(config.mynetworks, ["127.0.0.0/8", "::1/128"]);
  assert.deepEqual(config.listeners, [{
    address: "127.0.0.1",
    port: 2525,
    kind: "smtp",
  }]);
  assert.equal(config.myhostname, "mx.example.com");
  assert.equal(view.explicit.size, 0);
  assert.equal(view.defaults.get("queue_directory"), "/srv/home/var/queue");
});

Deno.test("an unqualified host name gets .localdomain", () => {
  const { config } = embedded({ hostname: "box", interfaces: [] });
  assert.equal(config.myhostname, "box.localdomain");
  assert.equal(config.mydomain, "localdomain");
  assert.equal(config.smtpd_banner, "box.localdomain ESMTP mailsrv");
});

Deno.test("the result is deeply frozen", () => {
  const { config } = parse('mydestination = "a.example"\n');
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.mydestination));
  assert.ok(Object.isFrozen(config.listeners));
  assert.ok(Object.isFrozen(config.listeners[0]));
  assert.throws(() => {
    (config as { myhostname: string }).myhostname = "x";
  }, TypeError);
  assert.throws(() => (config.mydestination as string[]).push("b"), TypeError);
});

Deno.test("set values are typed, expanded and normalized", () => {
  const { config } = parse([
    'myhostname = "Mail.Example.ORG"',
    'mydomain = "example.org"',
    'mydestination = "$myhostname, localhost.$mydomain  localhost,"',
    'mynetworks = ["10.0.0.0/8", "[2001:DB8::]/32", "192.0.2.1"]',
    "message_size_limit = 52428800",
    "mailbox_size_limit = 0",
    'smtpd_recipient_limit = "50"',
    "smtpd_timeout = 60",
    'maximal_queue_lifetime = "1w"',
    'minimal_backoff_time = "5m"',
    'maximal_backoff_time = "2h"',
    'queue_run_delay = "1d"',
    'smtpd_banner = "$myhostname ESMTP $mail_name ($mail_version) costs $$0"',
    'smtpd_forbid_bare_newline = "reject"',
    'home_mailbox = "Maildir/"',
    'recipient_delimiter = "+"',
    'local_recipient_maps = "hash:/etc/mailsrv/users unix:passwd.byname"',
    'inet_interfaces = "127.0.0.1, ::1"',
    'mynetworks_style = "subnet"',
  ].join("\n"));
  assert.equal(config.myhostname, "Mail.Example.ORG");
  assert.deepEqual(config.mydestination, [
    "mail.example.org",
    "localhost.example.org",
    "localhost",
  ]);
  assert.deepEqual(config.mynetworks, [
    "10.0.0.0/8",
    "2001:db8::/32",
    "192.0.2.1/32",
  ]);
  assert.equal(config.message_size_limit, 52428800);
  assert.equal(config.smtpd_recipient_limit, 50);
  assert.equal(config.smtpd_timeout, 60);
  assert.equal(config.maximal_queue_lifetime, 604800);
  assert.equal(config.minimal_backoff_time, 300);
  assert.equal(config.maximal_backoff_time, 7200);
  assert.equal(config.queue_run_delay, 86400);
  assert.equal(
    config.smtpd_banner,
    `Mail.Example.ORG ESMTP mailsrv (${VERSION}) costs $0`,
  );
  assert.equal(config.smtpd_forbid_bare_newline, "reject");
  assert.equal(config.home_mailbox, "Maildir/");
  assert.equal(config.recipient_delimiter, "+");
  assert.deepEqual(config.local_recipient_maps, [
    "hash:/etc/mailsrv/users",
    "unix:passwd.byname",
  ]);
  assert.deepEqual(config.inet_interfaces, ["127.0.0.1", "::1"]);
  assert.equal(config.mynetworks_style, "subnet");
});

Deno.test("mydomain and mynetworks defaults follow the values in effect", () => {
  const { config } = parse(
    'myhostname = "mx.other.net"\nmynetworks_style = "subnet"\n',
  );
  assert.equal(config.mydomain, "other.net");
  assert.deepEqual(config.mydestination, [
    "mx.other.net",
    "localhost.other.net",
    "localhost",
  ]);
  assert.deepEqual(config.mynetworks, [
    "127.0.0.0/8",
    "::1/128",
    "192.0.2.0/24",
  ]);
  const byClass = parse('mynetworks_style = "class"\n').config;
  assert.deepEqual(byClass.mynetworks, [
    "127.0.0.0/8",
    "::1/128",
    "192.0.2.0/24",
  ]);
});

Deno.test("relative paths resolve against the file's directory", () => {
  const { config } = parse(
    'queue_directory = "queue"\nmail_spool_directory = "../mail/"\nmaillog_file = "log/maillog"\n',
  );
  assert.equal(config.queue_directory, "/etc/mailsrv/queue");
  assert.equal(config.mail_spool_directory, "/etc/mail/");
  assert.equal(config.maillog_file, "/etc/mailsrv/log/maillog");
  const absolute = parse('mail_spool_directory = "/var/mail/"\n').config;
  assert.equal(absolute.mail_spool_directory, "/var/mail/");
});

Deno.test("listener tables are read and checked", () => {
  const { config, view } = parse([
    'myhostname = "mx.example.com"',
    "[[listener]]",
    'address = "::1"',
    "port = 2525",
    "[[listener]]",
    'address = "192.0.2.10"',
    "port = 25",
    'kind = "smtp"',
  ].join("\n"));
  assert.deepEqual(config.listeners, [
    { address: "::1", port: 2525, kind: "smtp" },
    { address: "192.0.2.10", port: 25, kind: "smtp" },
  ]);
  assert.deepEqual(view.listeners, config.listeners);
  assert.deepEqual(view.defaultListeners, [{
    address: "0.0.0.0",
    port: 25,
    kind: "smtp",
  }]);
});

Deno.test("without listener tables, port 25 on each inet_interfaces address", () => {
  const listeners = (text: string) => parse(text).config.listeners;
  assert.deepEqual(listeners('inet_interfaces = "all"'), [
    { address: "0.0.0.0", port: 25, kind: "smtp" },
  ]);
  assert.deepEqual(listeners('inet_interfaces = "loopback-only"'), [
    { address: "127.0.0.1", port: 25, kind: "smtp" },
  ]);
  assert.deepEqual(
    listeners('inet_interfaces = ["192.0.2.10", "::1", "192.0.2.10"]'),
    [
      { address: "192.0.2.10", port: 25, kind: "smtp" },
      { address: "::1", port: 25, kind: "smtp" },
    ],
  );
});

Deno.test("unknown keys are reported with their line and a suggestion", () => {
  const text = [
    "# mailsrv configuration",
    "",
    'myhostname = "mx.example.com"',
    'mydomain = "example.com"',
    "",
    "# size in bytes",
    "message_size_limt = 20000000",
  ].join("\n");
  assert.equal(
    errorOf(text),
    `${FILE}:7: message_size_limt: unknown parameter (did you mean "message_size_limit"?)`,
  );
  assert.equal(
    errorOf('\nrelay_host = "x"'),
    `${FILE}:2: relay_host: unknown parameter (did you mean "relayhost"?)`,
  );
  assert.equal(
    errorOf('a = 1\n\n[[listner]]\naddress = "::1"\n'),
    `${FILE}:1: a: unknown parameter`,
  );
  assert.equal(
    errorOf('\n[[listner]]\naddress = "::1"\n'),
    `${FILE}:2: listner: unknown parameter (did you mean "listener"?)`,
  );
  assert.equal(
    errorOf("\n[smtpd]\nx = 1\n"),
    `${FILE}:2: smtpd: unknown parameter`,
  );
});

Deno.test("wrong TOML types are reported", () => {
  const cases: Array<[string, string]> = [
    [
      "message_size_limit = true",
      "1: message_size_limit: expected an integer or a string, not a boolean",
    ],
    [
      "message_size_limit = 1.5",
      "1: message_size_limit: expected an integer or a string, not a float",
    ],
    ["\nmyhostname = 42", "2: myhostname: expected a string, not an integer"],
    ["myhostname = 1979-05-27", "1: myhostname: expected a string, not a date"],
    [
      "mydestination = [1, 2]",
      "1: mydestination: expected an array of strings",
    ],
    [
      "mydestination = true",
      "1: mydestination: expected a string or an array of strings, not a boolean",
    ],
    [
      "smtpd_timeout = [300]",
      "1: smtpd_timeout: expected an integer or a string, not an array",
    ],
    ["x = 1\n[myhostname]\na = 1", "1: x: unknown parameter"],
    ["[myhostname]\na = 1", "1: myhostname: expected a string, not a table"],
  ];
  for (const [text, expected] of cases) {
    assert.equal(errorOf(text), `${FILE}:${expected}`, text);
  }
});

Deno.test("bad values are reported with file, line and key", () => {
  const cases: Array<[string, string]> = [
    [
      'message_size_limit = "10M"',
      'message_size_limit: "10M" is not a whole number',
    ],
    [
      "smtpd_recipient_limit = 0",
      "smtpd_recipient_limit: must be at least 1, not 0",
    ],
    [
      "default_process_limit = -5",
      'default_process_limit: "-5" is not a whole number',
    ],
    [
      'smtpd_timeout = "5 minutes"',
      'smtpd_timeout: "5 minutes" is not a duration (use seconds or a number with s, m, h, d or w)',
    ],
    ["smtpd_timeout = 0", "smtpd_timeout: must be at least 1, not 0"],
    [
      'mynetworks_style = "all"',
      'mynetworks_style: "all" is not one of: host, subnet, class',
    ],
    [
      'smtpd_forbid_bare_newline = "yes"',
      'smtpd_forbid_bare_newline: "yes" is not one of: normalize, reject',
    ],
    [
      'myhostname = "mx_1.example.com"',
      'myhostname: "mx_1.example.com" is not a valid domain name (letters, digits, hyphens and dots)',
    ],
    [
      'myorigin = ""',
      'myorigin: "" is not a valid domain name (letters, digits, hyphens and dots)',
    ],
    [
      'mydestination = "example.com, hash:/etc/domains"',
      'mydestination: "hash:/etc/domains" is not a valid domain name (letters, digits, hyphens and dots)',
    ],
    [
      'mynetworks = "127.0.0.0/8 10.1.2.3/8"',
      'mynetworks: "10.1.2.3/8" is not a valid network: host bits set below the prefix (did you mean "10.0.0.0/8"?)',
    ],
    [
      'mynetworks = ["10.0.0.0/33"]',
      'mynetworks: "10.0.0.0/33" is not a valid network: prefix length above 32',
    ],
    [
      'mynetworks = "localnet"',
      'mynetworks: "localnet" is not a valid network: not an IP address',
    ],
    [
      'inet_interfaces = "eth0"',
      'inet_interfaces: "eth0" is not an IP address, "all" or "loopback-only"',
    ],
    [
      'local_recipient_maps = "passwd"',
      'local_recipient_maps: "passwd" is not a lookup table (type:name)',
    ],
    ['queue_directory = ""', "queue_directory: a path is required"],
    [
      'home_mailbox = "/var/mail/x"',
      'home_mailbox: "/var/mail/x" must be relative to the user\'s home directory',
    ],
    ['mail_version = "9"', "mail_version: read-only parameter"],
  ];
  for (const [text, expected] of cases) {
    assert.equal(
      errorOf(`# first line\n${text}`),
      `${FILE}:2: ${expected}`,
      text,
    );
  }
});

Deno.test("expansion problems name the parameter that holds them", () => {
  assert.equal(
    errorOf(
      'myhostname = "mx.example.com"\nsmtpd_banner = "$myhostnme ESMTP"\n',
    ),
    `${FILE}:2: smtpd_banner: unknown parameter "$myhostnme" (did you mean "myhostname"?)`,
  );
  assert.equal(
    errorOf('myhostname = "$myorigin"\nmyorigin = "$myhostname"\n'),
    `${FILE}:1: myhostname: parameter loop: $myhostname -> $myorigin -> $myhostname`,
  );
  // A loop through a computed default blames the line that was set.
  assert.equal(
    errorOf('\n\nmyhostname = "mail.$mydomain"\n'),
    `${FILE}:3: myhostname: parameter loop: $myhostname -> $mydomain -> $myhostname`,
  );
  assert.equal(
    errorOf('smtpd_banner = "costs $ 6"'),
    `${FILE}:1: smtpd_banner: "$" not followed by a parameter name in "costs $ 6" (write "$$" for a literal "$")`,
  );
  // A value that expands to something invalid is blamed on the key read.
  assert.equal(
    errorOf('mail_name = "two words"\n\nmyorigin = "$mail_name"\n'),
    `${FILE}:3: myorigin: "two words" is not a valid domain name (letters, digits, hyphens and dots)`,
  );
});

Deno.test("minimal backoff may not exceed maximal backoff", () => {
  assert.equal(
    errorOf('minimal_backoff_time = "5000s"'),
    `${FILE}:1: minimal_backoff_time: 5000s is more than maximal_backoff_time (4000s)`,
  );
  assert.equal(
    errorOf('minimal_backoff_time = "1h"\n\nmaximal_backoff_time = "10m"'),
    `${FILE}:3: maximal_backoff_time: 600s is less than minimal_backoff_time (3600s)`,
  );
  assert.equal(
    parse('minimal_backoff_time = "4000s"').config.minimal_backoff_time,
    4000,
  );
});

Deno.test("a listener's smtpd parameters are read by their rows", () => {
  const { config } = parse(
    'smtpd_tls_cert_file = "/etc/ssl/mail.pem"\n' +
      '[[listener]]\naddress = "0.0.0.0"\nport = 25\n' +
      '[[listener]]\naddress = "0.0.0.0"\nport = 587\nkind = "submission"\n' +
      'options = { smtpd_tls_security_level = "encrypt", smtpd_sasl_auth_enable = true, ' +
      'smtpd_relay_restrictions = "permit_sasl_authenticated, reject", ' +
      'smtpd_timeout = "1m", smtpd_tls_key_file = "$smtpd_tls_cert_file" }\n',
  );
  assert.equal(config.listeners[0].smtpd, undefined);
  assert.deepEqual(config.listeners[1].smtpd, {
    smtpd_tls_security_level: "encrypt",
    smtpd_sasl_auth_enable: true,
    smtpd_relay_restrictions: ["permit_sasl_authenticated", "reject"],
    smtpd_timeout: 60,
    smtpd_tls_key_file: "/etc/ssl/mail.pem",
  });
});

Deno.test("listener problems point into the right table", () => {
  const file = (listeners: string) =>
    `myhostname = "mx.example.com"\n${listeners}`;
  const cases: Array<[string, string]> = [
    [
      '[[listener]]\naddress = "::1"\nport = 70000',
      "4: listener.port: expected a port number from 1 to 65535, not 70000",
    ],
    [
      '[[listener]]\naddress = "::1"\nport = "25"',
      "4: listener.port: expected a port number from 1 to 65535, not a string",
    ],
    [
      '[[listener]]\naddress = "::1"\nport = 25\nkind = "imap"',
      '5: listener.kind: "imap" is not a listener kind (allowed: smtp, submission, smtps, pop3, pop3s)',
    ],
    [
      '[[listener]]\naddress = "::1"\nport = 587\nkind = "submission"\noptions = { smtpd_tls_security_level = "always" }',
      '6: listener.options: smtpd_tls_security_level: "always" is not one of: none, may, encrypt',
    ],
    [
      '[[listener]]\naddress = "::1"\nport = 587\nkind = "submission"\noptions = { smtpd_sasl_auth_enable = "maybe" }',
      '6: listener.options: smtpd_sasl_auth_enable: "maybe" is not "yes" or "no"',
    ],
    [
      '[[listener]]\naddress = "::1"\nport = 587\nkind = "submission"\noptions = { smtpd_sasl_auth_enabled = true }',
      '6: listener.options: smtpd_sasl_auth_enabled: not an smtpd parameter a listener may set (did you mean "smtpd_sasl_auth_enable"?)',
    ],
    [
      '[[listener]]\naddress = "::1"\nport = 110\nkind = "pop3"\noptions = { smtpd_sasl_auth_enable = true }',
      "6: listener.options: only smtp, submission and smtps listeners have options",
    ],
    [
      '[[listener]]\naddress = "::1"\nport = 25\nsmtpd_sasl_auth_enable = true',
      "5: listener.smtpd_sasl_auth_enable: unknown listener setting",
    ],
    [
      '[[listener]]\nadress = "::1"\nport = 25',
      '3: listener.adress: unknown listener setting (did you mean "address"?)',
    ],
    [
      "[[listener]]\nport = 25",
      "2: listener.address: missing listener address",
    ],
    [
      '[[listener]]\naddress = "::1"',
      "2: listener.port: missing listener port",
    ],
    [
      '[[listener]]\naddress = "localhost"\nport = 25',
      '3: listener.address: "localhost" is not an IP address',
    ],
    [
      "[[listener]]\naddress = 127\nport = 25",
      "3: listener.address: expected a string, not an integer",
    ],
    [
      '[[listener]]\naddress = "::1"\nport = 25\n\n[[listener]]\naddress = "::1"\nport = 25',
      "8: listener.port: duplicate listener on ::1:25",
    ],
    [
      '[[listener]]\naddress = "::1"\nport = 25\n[[listener]]\naddress = "::1"\nport = 0',
      "7: listener.port: expected a port number from 1 to 65535, not 0",
    ],
    ["listener = 5", "2: listener: expected [[listener]] tables"],
    ["[listener]\nport = 25", "2: listener: expected [[listener]] tables"],
  ];
  for (const [text, expected] of cases) {
    assert.equal(errorOf(file(text)), `${FILE}:${expected}`, text);
  }
});

Deno.test("TOML syntax errors name the file and line", () => {
  const message = errorOf('myhostname = "mx.example.com"\n\nmydomain = \n');
  assert.match(message, /^\/etc\/mailsrv\/mailsrv\.toml:3: \S/);
  assert.doesNotMatch(message, /\n/);
  assert.match(
    errorOf('a = "unterminated\n'),
    /^\/etc\/mailsrv\/mailsrv\.toml:1: /,
  );
});

Deno.test("the view keeps values as written and defaults as shown", () => {
  const { view } = parse(
    'mydestination = ["$myhostname", "localhost"]\nmessage_size_limit = 1000\n',
  );
  assert.deepEqual([...view.explicit], [
    ["mydestination", "$myhostname, localhost"],
    ["message_size_limit", "1000"],
  ]);
  assert.equal(
    view.defaults.get("mydestination"),
    "$myhostname, localhost.$mydomain, localhost",
  );
  assert.equal(view.effective.get("mydestination"), "$myhostname, localhost");
  assert.equal(view.effective.get("myorigin"), "$myhostname");
  assert.equal(view.expanded.get("mydestination"), "mx.example.com, localhost");
  assert.equal(
    view.expanded.get("smtpd_banner"),
    "mx.example.com ESMTP mailsrv",
  );
  assert.equal(view.configFile, FILE);
});

Deno.test("a bad default says that it is one", () => {
  assert.throws(
    () => embedded({ hostname: "my_host", interfaces: [] }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(
        e.message,
        'myhostname: "my_host.localdomain" is not a valid domain name (letters, digits, hyphens and dots); this is the default, set myhostname to override it',
      );
      return true;
    },
  );
  const fixed = parseConfig({
    file: FILE,
    text: 'myhostname = "mx.example.com"',
    homeDirectory: "/",
    system: { hostname: "my_host", interfaces: [] },
  });
  assert.equal(fixed.config.myhostname, "mx.example.com");
});

Deno.test("file-based lookup tables with relative names resolve like paths", () => {
  const { config } = parse(
    'alias_maps = "hash:aliases, hash:/etc/aliases, static:x"\n' +
      'local_recipient_maps = "texthash:users, unix:passwd.byname"\n',
  );
  assert.deepEqual(config.alias_maps, [
    "hash:/etc/mailsrv/aliases",
    "hash:/etc/aliases",
    "static:x",
  ]);
  assert.deepEqual(config.local_recipient_maps, [
    "texthash:/etc/mailsrv/users",
    "unix:passwd.byname",
  ]);
  assert.deepEqual(embedded().config.alias_maps, [
    "hash:/srv/home/var/aliases",
  ]);
  assert.deepEqual(parse("").config.alias_maps, ["hash:/etc/aliases"]);
});

Deno.test("mailbox_command and forward_path keep their $names for delivery time", () => {
  const { config, view } = parse(
    'mailbox_command = "/usr/bin/procmail -a \\"$EXTENSION\\""\n',
  );
  assert.equal(config.mailbox_command, '/usr/bin/procmail -a "$EXTENSION"');
  assert.deepEqual(config.forward_path, [
    "$home/.forward${recipient_delimiter}${extension}",
    "$home/.forward",
  ]);
  assert.equal(
    view.expanded.get("mailbox_command"),
    '/usr/bin/procmail -a "$EXTENSION"',
  );
});
