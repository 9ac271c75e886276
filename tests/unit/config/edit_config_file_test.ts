import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../../../src/config/config_error.ts";
import {
  editConfigFile,
  setParameter,
  tomlValueText,
} from "../../../src/config/edit_config_file.ts";
import { parameterNamed } from "../../../src/config/parameters.ts";
import { loadConfig } from "../../../src/config/load.ts";

const SYSTEM = { hostname: "mx.example.com", interfaces: [] };

const ORIGINAL = [
  "# mailsrv.toml -- hand written",
  "",
  "# The name in the greeting.",
  'myhostname   =   "old.example.com"   # keep this comment',
  "mydestination = [",
  '  "$myhostname",',
  '  "localhost",  # local',
  "]",
  "",
  "# Listeners",
  "[[listener]]",
  'address = "127.0.0.1"',
  "port = 2525",
  "",
].join("\n");

async function withConfigFile(
  text: string | undefined,
  body: (path: string, dir: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-postconf-" });
  try {
    const path = join(dir, "mailsrv.toml");
    if (text !== undefined) await Deno.writeTextFile(path, text);
    await body(path, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("postconf -e replaces values in place, keeping comments", async () => {
  await withConfigFile(ORIGINAL, async (path, dir) => {
    await editConfigFile(path, [
      ["myhostname", "new.example.com"],
      ["mydestination", "$myhostname localhost.$mydomain,localhost"],
    ], { system: SYSTEM });
    const text = await Deno.readTextFile(path);
    assert.equal(
      text,
      ORIGINAL
        .replace('"old.example.com"', '"new.example.com"')
        .replace(
          '[\n  "$myhostname",\n  "localhost",  # local\n]',
          '"$myhostname, localhost.$mydomain, localhost"',
        ),
    );
    assert.deepEqual(await entries(dir), ["mailsrv.toml"]);
    const config = await loadConfig({ path, env: {}, system: SYSTEM });
    assert.deepEqual(config.mydestination, [
      "new.example.com",
      "localhost.example.com",
      "localhost",
    ]);
  });
});

Deno.test("postconf -e adds new parameters after the last one", async () => {
  await withConfigFile(ORIGINAL, async (path) => {
    await editConfigFile(path, [
      ["message_size_limit", "20480000"],
      ["smtpd_timeout", "5m"],
      ["smtpd_banner", '$myhostname "ESMTP"'],
    ], { system: SYSTEM });
    const text = await Deno.readTextFile(path);
    assert.equal(
      text,
      ORIGINAL.replace(
        "]\n\n# Listeners",
        ']\nmessage_size_limit = 20480000\nsmtpd_timeout = "5m"\n' +
          'smtpd_banner = "$myhostname \\"ESMTP\\""\n\n# Listeners',
      ),
    );
    const config = await loadConfig({ path, env: {}, system: SYSTEM });
    assert.equal(config.message_size_limit, 20480000);
    assert.equal(config.smtpd_timeout, 300);
    assert.equal(config.smtpd_banner, 'old.example.com "ESMTP"');
    assert.deepEqual(config.listeners, [{
      address: "127.0.0.1",
      port: 2525,
      kind: "smtp",
    }]);
  });
});

Deno.test("postconf -e creates a missing file", async () => {
  await withConfigFile(undefined, async (path) => {
    await editConfigFile(path, [["myhostname", "mx.example.org"], [
      "inet_interfaces",
      "loopback-only",
    ]], {
      system: SYSTEM,
    });
    assert.equal(
      await Deno.readTextFile(path),
      'myhostname = "mx.example.org"\ninet_interfaces = "loopback-only"\n',
    );
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o644);
  });
});

Deno.test("postconf -e replaces the file by rename, not in place", async () => {
  await withConfigFile(ORIGINAL, async (path, dir) => {
    // A second link to the old file shows what a reader that opened it
    // before the edit sees: the complete old text, never a mix.
    await Deno.link(path, join(dir, "before.toml"));
    await editConfigFile(path, [["myhostname", "b.example"]], {
      system: SYSTEM,
    });
    assert.equal(await Deno.readTextFile(join(dir, "before.toml")), ORIGINAL);
    assert.match(
      await Deno.readTextFile(path),
      /myhostname {3}= {3}"b\.example"/,
    );
    assert.deepEqual(await entries(dir), ["before.toml", "mailsrv.toml"]);
  });
});

Deno.test("postconf -e keeps the file's permission bits", async () => {
  await withConfigFile('myhostname = "a.example"\n', async (path) => {
    await Deno.chmod(path, 0o640);
    await editConfigFile(path, [["myhostname", "b.example"]], {
      system: SYSTEM,
    });
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
    assert.equal(await Deno.readTextFile(path), 'myhostname = "b.example"\n');
  });
});

Deno.test("postconf -e rejects invalid edits and leaves the file alone", async () => {
  await withConfigFile(ORIGINAL, async (path, dir) => {
    const before = await Deno.stat(path);
    const cases: Array<[[string, string][], string]> = [
      [
        [["message_size_limt", "1"]],
        `${path}: message_size_limt: unknown parameter (did you mean "message_size_limit"?)`,
      ],
      [[["mail_version", "9"]], `${path}: mail_version: read-only parameter`],
      [[["listener", "x"]], `${path}: listener: unknown parameter`],
      [
        [["myhostname", "bad_name"]],
        `${path}:4: myhostname: "bad_name" is not a valid domain name (letters, digits, hyphens and dots)`,
      ],
      [
        [["smtpd_timeout", "soon"]],
        `${path}:9: smtpd_timeout: "soon" is not a duration (use seconds or a number with s, m, h, d or w)`,
      ],
      [
        [["myhostname", "ok.example.com"], ["minimal_backoff_time", "2h"]],
        `${path}:9: minimal_backoff_time: 7200s is more than maximal_backoff_time (4000s)`,
      ],
    ];
    for (const [edits, message] of cases) {
      await assert.rejects(
        editConfigFile(path, edits, { system: SYSTEM }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.equal(e.message, message);
          return true;
        },
      );
    }
    assert.equal(await Deno.readTextFile(path), ORIGINAL);
    assert.equal(
      (await Deno.stat(path)).mtime?.getTime(),
      before.mtime?.getTime(),
    );
    assert.deepEqual(await entries(dir), ["mailsrv.toml"]);
  });
});

Deno.test("setParameter inserts above the comments of the first table", () => {
  const text = "# top\n\n# Listeners\n[[listener]]\nport = 25\n";
  assert.equal(
    setParameter(text, "myhostname", '"a.example"'),
    '# top\n\nmyhostname = "a.example"\n\n# Listeners\n[[listener]]\nport = 25\n',
  );
  assert.equal(setParameter("a = 1", "b", "2"), "a = 1\nb = 2\n");
  assert.equal(
    setParameter("# only a comment", "b", "2"),
    "# only a comment\nb = 2\n",
  );
  assert.equal(setParameter("", "b", "2"), "b = 2\n");
  // A key inside a table is not the top-level parameter.
  assert.equal(
    setParameter("[[listener]]\nport = 25\n", "port", "1"),
    "port = 1\n\n[[listener]]\nport = 25\n",
  );
});

Deno.test("tomlValueText writes each kind as Postfix admins expect", () => {
  const text = (name: string, value: string) => {
    const parameter = parameterNamed(name);
    assert.ok(parameter);
    return tomlValueText(parameter, value);
  };
  assert.equal(text("message_size_limit", "20480000"), "20480000");
  assert.equal(text("message_size_limit", "$other"), '"$other"');
  assert.equal(text("smtpd_timeout", "300"), "300");
  assert.equal(text("smtpd_timeout", "5m"), '"5m"');
  assert.equal(
    text("mynetworks", "127.0.0.0/8   [::1]/128,10.0.0.0/8"),
    '"127.0.0.0/8, [::1]/128, 10.0.0.0/8"',
  );
  assert.equal(text("myhostname", "mx.example.com"), '"mx.example.com"');
  assert.equal(text("recipient_delimiter", ""), '""');
});
