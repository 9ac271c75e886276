import assert from "node:assert/strict";
import { parameterNames } from "../../../src/config/parameters.ts";
import { ConfigError } from "../../../src/config/config_error.ts";
import { parseConfig } from "../../../src/config/parse_config.ts";
import { renderParameters } from "../../../src/config/postconf.ts";
import { VERSION } from "../../../src/version.ts";

const FILE = "/etc/mailsrv/mailsrv.toml";
const SYSTEM = { hostname: "mx.example.com", interfaces: [] };
const TEXT = [
  "# Postfix-style settings",
  'myhostname = "mail.example.org"',
  'mydestination = ["$myhostname", "localhost"]',
  "message_size_limit = 20480000",
  "",
  "[[listener]]",
  'address = "192.0.2.1"',
  "port = 25",
].join("\n");

function viewOf(text: string) {
  return parseConfig({ file: FILE, text, homeDirectory: "/", system: SYSTEM })
    .view;
}

Deno.test("postconf -n shows the parameters set, then the listeners", () => {
  assert.equal(
    renderParameters(viewOf(TEXT), { nonDefault: true }),
    [
      "message_size_limit = 20480000",
      "mydestination = $myhostname, localhost",
      "myhostname = mail.example.org",
      "",
      "[[listener]]",
      'address = "192.0.2.1"',
      "port = 25",
      'kind = "smtp"',
      "",
    ].join("\n"),
  );
  assert.equal(renderParameters(viewOf(""), { nonDefault: true }), "");
});

Deno.test("postconf shows a listener's own smtpd parameters in its table", () => {
  const text = '[[listener]]\naddress = "0.0.0.0"\nport = 587\n' +
    'kind = "submission"\noptions = { smtpd_tls_security_level = "encrypt", ' +
    'smtpd_sasl_auth_enable = true, smtpd_timeout = "2m", ' +
    'smtpd_relay_restrictions = "permit_sasl_authenticated, reject" }\n';
  assert.equal(
    renderParameters(viewOf(text), { nonDefault: true }),
    [
      "",
      "[[listener]]",
      'address = "0.0.0.0"',
      "port = 587",
      'kind = "submission"',
      'options = { smtpd_tls_security_level = "encrypt", smtpd_sasl_auth_enable = true, smtpd_timeout = 120, smtpd_relay_restrictions = [ "permit_sasl_authenticated", "reject" ] }',
      "",
    ].join("\n"),
  );
});

Deno.test("postconf -n -x shows the set parameters expanded", () => {
  assert.equal(
    renderParameters(viewOf(TEXT), {
      nonDefault: true,
      expand: true,
      names: ["mydestination"],
    }),
    "mydestination = mail.example.org, localhost\n",
  );
});

Deno.test("postconf shows every parameter, sorted, as in effect", () => {
  const output = renderParameters(viewOf(TEXT));
  const lines = output.split("\n");
  const parameterLines = lines.slice(0, lines.indexOf(""));
  const names = parameterLines.map((line) => line.split(" ")[0]);
  assert.deepEqual(names, [...names].sort());
  assert.equal(names.length, parameterNames().length);
  assert.ok(parameterLines.includes("myhostname = mail.example.org"));
  assert.ok(parameterLines.includes("mydomain = example.org"));
  assert.ok(parameterLines.includes("myorigin = $myhostname"));
  assert.ok(
    parameterLines.includes("smtpd_banner = $myhostname ESMTP $mail_name"),
  );
  assert.ok(parameterLines.includes("recipient_delimiter ="));
  assert.ok(parameterLines.includes(`mail_version = ${VERSION}`));
  assert.ok(
    output.endsWith(
      '[[listener]]\naddress = "192.0.2.1"\nport = 25\nkind = "smtp"\n',
    ),
  );
});

Deno.test("postconf without listener tables shows the default listeners", () => {
  const output = renderParameters(viewOf('inet_interfaces = "loopback-only"'));
  assert.ok(
    output.endsWith(
      '\n\n[[listener]]\naddress = "127.0.0.1"\nport = 25\nkind = "smtp"\n',
    ),
  );
});

Deno.test("postconf -d shows the defaults, ignoring the file", () => {
  const output = renderParameters(viewOf(TEXT), { defaults: true });
  const lines = output.split("\n");
  assert.ok(lines.includes("myhostname = mx.example.com"));
  assert.ok(lines.includes("mydomain = example.com"));
  assert.ok(lines.includes("message_size_limit = 10240000"));
  assert.ok(
    lines.includes(
      "mydestination = $myhostname, localhost.$mydomain, localhost",
    ),
  );
  assert.ok(lines.includes("mynetworks = 127.0.0.0/8, ::1/128"));
  assert.ok(
    output.endsWith(
      '[[listener]]\naddress = "0.0.0.0"\nport = 25\nkind = "smtp"\n',
    ),
  );
  assert.equal(
    renderParameters(viewOf(TEXT), {
      defaults: true,
      expand: true,
      names: ["mydestination", "smtpd_banner"],
    }),
    "mydestination = mx.example.com, localhost.example.com, localhost\n" +
      "smtpd_banner = mx.example.com ESMTP mailsrv\n",
  );
});

Deno.test("postconf -d without a file shows the embedded defaults", () => {
  const view = parseConfig({
    file: null,
    text: "",
    homeDirectory: "/srv/mailsrv",
    system: SYSTEM,
  }).view;
  assert.equal(
    renderParameters(view, {
      defaults: true,
      names: [
        "queue_directory",
        "mail_spool_directory",
        "mydestination",
        "local_recipient_maps",
      ],
    }),
    [
      "queue_directory = /srv/mailsrv/var/queue",
      "mail_spool_directory = /srv/mailsrv/var/mail/",
      "mydestination = localhost",
      "local_recipient_maps =",
      "",
    ].join("\n"),
  );
  assert.ok(
    renderParameters(view, { defaults: true }).endsWith(
      'address = "127.0.0.1"\nport = 2525\nkind = "smtp"\n',
    ),
  );
});

Deno.test("postconf names shows just those, in order, without listeners", () => {
  const view = viewOf(TEXT);
  assert.equal(
    renderParameters(view, { names: ["myhostname", "message_size_limit"] }),
    "myhostname = mail.example.org\nmessage_size_limit = 20480000\n",
  );
  assert.equal(
    renderParameters(view, { names: ["myorigin"], nonDefault: true }),
    "",
  );
  assert.equal(
    renderParameters(view, { names: ["message_size_limit"], defaults: true }),
    "message_size_limit = 10240000\n",
  );
});

Deno.test("postconf rejects unknown names and -n with -d", () => {
  assert.throws(
    () =>
      renderParameters(viewOf(TEXT), { names: ["myhostname", "mynetwork"] }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(
        e.message,
        'mynetwork: unknown parameter (did you mean "mynetworks"?)',
      );
      return true;
    },
  );
  assert.throws(
    () => renderParameters(viewOf(TEXT), { names: ["listener"] }),
    /listener: unknown parameter/,
  );
  assert.throws(
    () => renderParameters(viewOf(TEXT), { nonDefault: true, defaults: true }),
    /-n and -d cannot be used together/,
  );
});
