import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ConfigError,
  DEFAULT_CONFIG_FILE,
  loadConfig,
  loadConfigAndView,
} from "../../../src/config/load.ts";
import type { SystemFacts } from "../../../src/config/system_facts.ts";

const SYSTEM: SystemFacts = { hostname: "mx.example.com", interfaces: [] };

async function withTempDir(body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-config-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the default file is /etc/mailsrv/mailsrv.toml", () => {
  assert.equal(DEFAULT_CONFIG_FILE, "/etc/mailsrv/mailsrv.toml");
});

Deno.test("loadConfig reads the file given, relative to cwd", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "etc"));
    await Deno.writeTextFile(
      join(dir, "etc", "mailsrv.toml"),
      'myhostname = "mx.example.org"\nqueue_directory = "spool"\n',
    );
    const config = await loadConfig({
      path: "etc/mailsrv.toml",
      cwd: dir,
      env: {},
      system: SYSTEM,
    });
    assert.equal(config.configFile, join(dir, "etc", "mailsrv.toml"));
    assert.equal(config.homeDirectory, join(dir, "etc"));
    assert.equal(config.myhostname, "mx.example.org");
    assert.equal(config.queue_directory, join(dir, "etc", "spool"));
    assert.deepEqual(config.listeners, [{
      address: "0.0.0.0",
      port: 25,
      kind: "smtp",
    }]);
  });
});

Deno.test("a missing --config file is an error", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "nosuch.toml");
    await assert.rejects(
      loadConfig({ path, env: {}, system: SYSTEM }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.message, `${path}: configuration file not found`);
        return true;
      },
    );
    await assert.rejects(
      loadConfig({ path: dir, env: {}, system: SYSTEM }),
      new RegExp(`^ConfigError: ${dir}: configuration file is a directory$`),
    );
  });
});

Deno.test("without a path, the default file is used when it exists", async () => {
  await withTempDir(async (dir) => {
    const defaultFile = join(dir, "mailsrv.toml");
    await Deno.writeTextFile(defaultFile, 'mydestination = "example.org"\n');
    const config = await loadConfig({
      defaultFile,
      env: {},
      cwd: dir,
      system: SYSTEM,
    });
    assert.equal(config.configFile, defaultFile);
    assert.deepEqual(config.mydestination, ["example.org"]);
  });
});

Deno.test("without any file, the embedded default under MAILSRV_HOME", async () => {
  await withTempDir(async (dir) => {
    const options = { defaultFile: join(dir, "absent.toml"), system: SYSTEM };
    const home = await loadConfig({
      ...options,
      env: { MAILSRV_HOME: "home" },
      cwd: dir,
    });
    assert.equal(home.configFile, null);
    assert.equal(home.homeDirectory, join(dir, "home"));
    assert.equal(home.queue_directory, join(dir, "home", "var", "queue"));
    assert.equal(
      home.mail_spool_directory,
      `${join(dir, "home", "var", "mail")}/`,
    );
    assert.equal(home.maillog_file, join(dir, "home", "var", "log", "maillog"));
    assert.deepEqual(home.mydestination, ["localhost"]);
    assert.deepEqual(home.local_recipient_maps, []);
    assert.deepEqual(home.mynetworks, ["127.0.0.0/8", "::1/128"]);
    assert.deepEqual(home.listeners, [{
      address: "127.0.0.1",
      port: 2525,
      kind: "smtp",
    }]);
    const cwd = await loadConfig({ ...options, env: {}, cwd: dir });
    assert.equal(cwd.homeDirectory, dir);
    assert.equal(cwd.queue_directory, join(dir, "var", "queue"));
  });
});

Deno.test("loadConfigAndView reports errors with the file and line", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "mailsrv.toml");
    await Deno.writeTextFile(path, "# comment\n\nmessage_size_limt = 1\n");
    await assert.rejects(
      loadConfigAndView({ path, env: {}, system: SYSTEM }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(
          e.message,
          `${path}:3: message_size_limt: unknown parameter (did you mean "message_size_limit"?)`,
        );
        assert.equal(e.line, 3);
        assert.equal(e.key, "message_size_limt");
        return true;
      },
    );
  });
});
