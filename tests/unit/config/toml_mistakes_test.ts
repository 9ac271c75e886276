import assert from "node:assert/strict";
import { ConfigError } from "../../../src/config/config_error.ts";
import { explainTomlMistake } from "../../../src/config/toml_mistakes.ts";

const FILE = "/etc/mailsrv/mailsrv.toml";

function explained(error: ConfigError, text: string): string {
  return (explainTomlMistake(error, text) as Error).message;
}

Deno.test("an unquoted value is shown quoted", () => {
  const text = "# main\nmyhostname = mail.home.example\n";
  assert.equal(
    explained(new ConfigError("invalid value", { file: FILE, line: 2 }), text),
    `${FILE}:2: myhostname: the value must be quoted: ` +
      'myhostname = "mail.home.example" (TOML, unlike main.cf, needs quotes around text)',
  );
  assert.match(
    explained(
      new ConfigError("invalid value", { file: FILE, line: 1 }),
      "mydestination = $myhostname, localhost # local\n",
    ),
    /: mydestination = "\$myhostname, localhost" \(/,
  );
});

Deno.test("a parameter after [[listener]] is told to move above it", () => {
  const text = "[[listener]]\nport = 25\n\n[[listener]]\nport = 110\n" +
    "smtpd_timeout = 60\n";
  const error = new ConfigError("unknown listener setting", {
    file: FILE,
    line: 6,
    key: "listener.smtpd_timeout",
  });
  assert.equal(
    explained(error, text),
    `${FILE}:6: smtpd_timeout: this parameter is inside a [[listener]] ` +
      "table: in TOML every line after a table header belongs to that " +
      "table; move it above the first [[listener]] line (line 1)",
  );
});

Deno.test("other errors are returned unchanged", () => {
  const others = [
    new ConfigError("invalid value", { file: FILE, line: 1 }),
    new ConfigError("unknown listener setting", {
      file: FILE,
      line: 2,
      key: "listener.prot",
    }),
    new ConfigError("expected an integer", { file: FILE, line: 1, key: "x" }),
  ];
  const texts = ['x = "unterminated\n', "[[listener]]\nprot = 1\n", "x = 1\n"];
  others.forEach((error, i) =>
    assert.equal(explainTomlMistake(error, texts[i]), error)
  );
  const bug = new TypeError("x");
  assert.equal(explainTomlMistake(bug, ""), bug);
});
