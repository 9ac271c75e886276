/**
 * Property tests of the configuration reader (src/config/toml.ts,
 * parse_config.ts): any text gives a configuration or a `ConfigError`
 * that names the file (and a line within it when it names one), never
 * another exception.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError } from "../../src/config/config_error.ts";
import { parseConfig } from "../../src/config/parse_config.ts";
import { parseToml, TomlSyntaxError } from "../../src/config/toml.ts";
import { fuzz, longRun, mailText } from "./fuzz.ts";

const FILE = "/etc/mailsrv/mailsrv.toml";

/** Lines of a mailsrv.toml, often nearly valid. */
const KEYS = [
  "myhostname",
  "mydestination",
  "mynetworks",
  "message_size_limit",
  "smtpd_recipient_restrictions",
  "relayhost",
  "queue_directory",
  "inet_interfaces",
  "smtpd_banner",
  "alias_maps",
  "virtual_mailbox_domains",
  "maximal_queue_lifetime",
  "smtpd_tls_security_level",
  "no_such_parameter",
  "__proto__",
  "constructor",
  '"quoted key"',
  "a.b",
];
const VALUES = [
  '"mx.example.org"',
  '"$myhostname, localhost"',
  '["127.0.0.0/8", "[::1]/128"]',
  '["10.0.0.0/33"]',
  "0",
  "-1",
  "10240000",
  "1e400",
  "0x10",
  "true",
  '"5d"',
  '"1x"',
  '"${myhostname"',
  '"$a$b$c"',
  '"hash:/etc/mailsrv/access"',
  '"permit_mynetworks, reject_unauth_destination"',
  "1979-05-27T07:32:00Z",
  "2024-02-30",
  "{ a = 1 }",
  "[[1], [2]]",
  '"\\u0000"',
  "'''\nmulti\n'''",
  "",
];
const LISTENER = [
  "[[listener]]",
  'service = "smtp"',
  'service = "pop3"',
  'address = "127.0.0.1:2525"',
  'address = "[::1]:99999"',
  'type = "submission"',
  'smtpd_tls_security_level = "encrypt"',
  "[listener]",
  "[table]",
];

const line = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES))
      .map(([k, v]) => `${k} = ${v}`),
  },
  { weight: 2, arbitrary: fc.constantFrom(...LISTENER) },
  { weight: 1, arbitrary: mailText("=[]{}\"'#.,$\\\n", 60) },
);

const document = fc.oneof(
  fc.array(line, { maxLength: 12 }).map((l) => l.join("\n")),
  mailText("=[]{}\"'#.,$\\\n", 300),
  longRun("[\"'{$\\="),
  longRun("$").map((s) => `myhostname = "${s}"`),
);

Deno.test("fuzz: any configuration text gives a config or a ConfigError naming the file", () => {
  fuzz(
    "config parse",
    fc.property(document, (text) => {
      const lines = text.split("\n").length;
      try {
        const { config } = parseConfig({
          file: FILE,
          text,
          homeDirectory: "/srv/home",
          system: { hostname: "mx.example.com", interfaces: [] },
        });
        assert.equal(typeof config.myhostname, "string");
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        assert.equal(error.file, FILE);
        assert.ok(error.message.startsWith(`${FILE}:`), error.message);
        if (error.line !== undefined) {
          assert.ok(
            Number.isInteger(error.line) && error.line >= 1 &&
              error.line <= lines,
            `line ${error.line} of ${lines}`,
          );
          assert.ok(error.message.startsWith(`${FILE}:${error.line}: `));
        }
        assert.ok(!error.message.includes("\n"), "one-line error");
      }
    }),
    { seed: 0x70e1, numRuns: 400 },
  );
});

Deno.test("fuzz: TOML syntax errors say where", () => {
  fuzz(
    "toml parse",
    fc.property(document, (text) => {
      try {
        parseToml(text);
      } catch (error) {
        if (!(error instanceof TomlSyntaxError)) throw error;
        assert.ok(error.line >= 1 && error.column >= 1);
        assert.ok(!error.message.includes("\n"));
      }
    }),
    { seed: 0x70e2, numRuns: 1000 },
  );
});

Deno.test("regression: a value quoted in a configuration error stays on one line", () => {
  try {
    parseConfig({
      file: FILE,
      text: "myhostname = '''\nmulti\n'''",
      homeDirectory: "/srv/home",
      system: { hostname: "mx.example.com", interfaces: [] },
    });
    assert.fail("accepted");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.match(
      error.message,
      /^\/etc\/mailsrv\/mailsrv\.toml:1: myhostname: control character "\\n" is not allowed in this value$/,
    );
  }
});
