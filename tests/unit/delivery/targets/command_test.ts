import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type CommandDeliveryOptions,
  commandEnvironment,
  deliverToCommand,
} from "../../../../src/delivery/targets/command.ts";
import type { CommandEnvironment } from "../../../../src/delivery/local/local_types.ts";
import { asctime } from "../../../../src/delivery/mailbox/mbox_from_line.ts";
import { DeliveryError } from "../../../../src/delivery/types.ts";
import { exists, NOBODY, testMessage, withTempDir } from "../test_message.ts";

const TIME = 1_700_000_000_000;

const ENVIRONMENT: CommandEnvironment = {
  SENDER: "alice@example.org",
  RECIPIENT: "bob+lists@example.org",
  ORIGINAL_RECIPIENT: "Bob+Lists@example.org",
  USER: "bob",
  LOGNAME: "bob",
  HOME: "/home/bob",
  SHELL: "/bin/bash",
  LOCAL: "bob+lists",
  DOMAIN: "example.org",
  EXTENSION: "lists",
};

/** Options for a run as ourselves (the unprivileged case). */
function options(
  overrides: Partial<CommandDeliveryOptions> = {},
): CommandDeliveryOptions {
  return {
    environment: ENVIRONMENT,
    shell: "/bin/sh",
    timeLimitSeconds: 60,
    clock: () => TIME,
    uid: 1000,
    cwd: "/",
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeliveryError, String(error));
    return error;
  }
  assert.fail("expected a DeliveryError");
}

Deno.test("command: the environment is exactly Postfix's", async () => {
  Deno.env.set("MAILSRV_DAEMON_SECRET", "leak");
  try {
    await withTempDir(async (dir) => {
      const out = join(dir, "env");
      await deliverToCommand(`env > '${out}'`, testMessage(), options());
      const lines = (await Deno.readTextFile(out)).trim().split("\n");
      const env = Object.fromEntries(lines.map((line) => {
        const eq = line.indexOf("=");
        return [line.slice(0, eq), line.slice(eq + 1)];
      }));
      // The shell itself exports PWD; everything else comes from mailsrv.
      delete env.PWD;
      assert.deepEqual(env, {
        ...ENVIRONMENT,
        PATH: "/usr/bin:/bin",
        ...(Deno.env.get("TZ") === undefined ? {} : { TZ: Deno.env.get("TZ") }),
      });
    });
  } finally {
    Deno.env.delete("MAILSRV_DAEMON_SECRET");
  }
});

Deno.test("command: environment values lose control characters", () => {
  const env = commandEnvironment({ ...ENVIRONMENT, LOCAL: "a\nb\x00c" }, "UTC");
  assert.equal(env.LOCAL, "abc");
  assert.equal(env.TZ, "UTC");
  assert.equal(commandEnvironment(ENVIRONMENT, undefined).TZ, undefined);
});

Deno.test("command: stdin is From_ line, headers, then the content", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "in");
    const content = "Subject: hi\n\nFrom here on\n>From there\n";
    await deliverToCommand(
      `cat > '${out}'`,
      testMessage({ content, recipient: "Bob@Example.org" }),
      options(),
    );
    assert.equal(
      await Deno.readTextFile(out),
      `From alice@example.org ${asctime(TIME)}\n` +
        "Return-Path: <alice@example.org>\n" +
        "Delivered-To: bob@example.org\n" + content,
    );
  });
});

Deno.test("command: the null sender is MAILER-DAEMON", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "in");
    await deliverToCommand(
      `head -n 2 > '${out}'`,
      testMessage({ sender: "" }),
      options(),
    );
    assert.equal(
      await Deno.readTextFile(out),
      `From MAILER-DAEMON ${asctime(TIME)}\nReturn-Path: <>\n`,
    );
  });
});

Deno.test("command: exit 0 is delivered", async () => {
  await deliverToCommand("cat > /dev/null", testMessage(), options());
});

Deno.test("command: exit 75 is temporary", async () => {
  const error = await rejection(
    deliverToCommand("echo busy; exit 75", testMessage(), options()),
  );
  assert.equal(error.temporary, true);
  assert.equal(error.dsn, "4.3.0");
  assert.match(error.message, /status 75 \(temporary failure\)/);
});

Deno.test("command: exit 1 bounces with the output in the reason", async () => {
  const error = await rejection(
    deliverToCommand(
      "echo 'no such folder' >&2; exit 1",
      testMessage(),
      options(),
    ),
  );
  assert.equal(error.temporary, false);
  assert.equal(error.dsn, "5.3.0");
  assert.equal(
    error.message,
    `Command died with status 1: "echo 'no such folder' >&2; exit 1". ` +
      "Command output: no such folder",
  );
});

Deno.test("command: exit 67 is 5.1.1 user unknown", async () => {
  const error = await rejection(
    deliverToCommand("exit 67", testMessage(), options()),
  );
  assert.equal(error.temporary, false);
  assert.equal(error.dsn, "5.1.1");
  assert.match(error.message, /user unknown/);
});

Deno.test("command: a signal is temporary", async () => {
  const error = await rejection(
    deliverToCommand("kill -9 $$", testMessage(), options()),
  );
  assert.equal(error.temporary, true);
  assert.equal(error.dsn, "4.3.0");
  assert.match(error.message, /signal SIGKILL/);
});

Deno.test("command: the time limit kills the process group", async () => {
  await withTempDir(async (dir) => {
    const pidFile = join(dir, "pid");
    const after = join(dir, "after");
    const error = await rejection(
      deliverToCommand(
        `sleep 30 & echo $! > '${pidFile}'; wait; touch '${after}'`,
        testMessage(),
        options({ timeLimitSeconds: 1 }),
      ),
    );
    assert.equal(error.temporary, true);
    assert.equal(error.dsn, "4.3.0");
    assert.match(error.message, /^Command time limit exceeded: "sleep 30/);
    assert.equal(await exists(after), false);
    // The background sleep was in the group: it is gone or a zombie.
    const pid = (await Deno.readTextFile(pidFile)).trim();
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
    assert.ok(stat === "" || /^\d+ \(sleep\) Z/.test(stat), stat);
  });
});

Deno.test("command: output kept for the reason is bounded", async () => {
  const error = await rejection(
    deliverToCommand(
      "head -c 20000000 /dev/zero | tr '\\0' x; exit 1",
      testMessage(),
      options(),
    ),
  );
  assert.match(error.message, /Command output: x{4096}$/);
});

Deno.test("command: a command that never reads a big message", async () => {
  const chunk = "x".repeat(1023) + "\n";
  const content = Array.from({ length: 8 * 1024 }, () => chunk); // 8 MB
  await deliverToCommand("exit 0", testMessage({ content }), options());
  const error = await rejection(
    deliverToCommand("exit 73", testMessage({ content }), options()),
  );
  assert.equal(error.dsn, "5.2.0");
});

Deno.test("command: a queue file read error defers", async () => {
  const error = await rejection(
    deliverToCommand(
      "cat > /dev/null",
      testMessage({ failAtEnd: true }),
      options(),
    ),
  );
  assert.equal(error.temporary, true);
  assert.equal(error.dsn, "4.3.0");
  assert.match(error.message, /^cannot read message 4Xq9Zk2mTb/);
});

Deno.test("command: a missing shell defers", async () => {
  const error = await rejection(
    deliverToCommand(
      "true",
      testMessage(),
      options({ shell: "/nonexistent/sh" }),
    ),
  );
  assert.equal(error.temporary, true);
  assert.match(error.message, /cannot run "\/nonexistent\/sh"/);
});

const root = Deno.uid() === 0;

Deno.test({
  name: "command: as root, runs as the given user",
  ignore: !root,
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.chmod(dir, 0o777);
      const out = join(dir, "id");
      await deliverToCommand(
        `id -u > '${out}'; id -g >> '${out}'; pwd >> '${out}'`,
        testMessage(),
        options({ uid: undefined, cwd: undefined, privileges: NOBODY }),
      );
      assert.equal(await Deno.readTextFile(out), "65534\n65534\n/\n");
      assert.equal((await Deno.stat(out)).uid, 65534);
    });
  },
});

Deno.test({
  name: "command: as root, a uid without passwd entry gets no groups",
  ignore: !root,
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.chmod(dir, 0o777);
      const out = join(dir, "id");
      await deliverToCommand(
        `id -u > '${out}'; id -G >> '${out}'`,
        testMessage(),
        options({
          uid: undefined,
          cwd: dir,
          privileges: { ...NOBODY, user: "ghost", uid: 4242, gid: 4243 },
        }),
      );
      assert.equal(await Deno.readTextFile(out), "4242\n4243\n");
    });
  },
});

Deno.test({
  name: "command: as root, never runs as root",
  ignore: !root,
  async fn() {
    await withTempDir(async (dir) => {
      const marker = join(dir, "ran");
      for (
        const privileges of [
          { ...NOBODY, user: "root", uid: 0, gid: 0 },
          undefined,
        ]
      ) {
        const error = await rejection(
          deliverToCommand(
            `touch '${marker}'`,
            testMessage(),
            options({ uid: undefined, privileges }),
          ),
        );
        assert.equal(error.temporary, true);
        assert.equal(error.dsn, "4.3.0");
        assert.match(error.message, /^refusing to deliver as root/);
      }
      assert.equal(await exists(marker), false);
    });
  },
});
