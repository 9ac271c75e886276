/**
 * A role thread that dies of an error is one maillog line and a restart,
 * with nothing on stderr: smtpd's thread and an auth thread crash in a
 * process that runs them as the daemon does (fixtures/crash_threads.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort } from "../helpers/daemon.ts";

const FIXTURE = new URL(
  "../unit/master/fixtures/crash_threads.ts",
  import.meta.url,
);

Deno.test("a crashed smtpd or auth thread logs one line, prints no stack, and serves again", async () => {
  const root = await Deno.makeTempDir({ prefix: "mailsrv-crash-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        FIXTURE.pathname,
        root,
        String(freePort()),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, stderr);
    assert.equal(stderr, "");
    const [crashed, after] = JSON.parse(stdout);
    // The AUTH under way when the auth thread died: a temporary failure.
    assert.match(crashed, /^454 4\.7\.0 /);
    assert.match(after, /^235 /);
    const log = await Deno.readTextFile(join(root, "maillog"));
    const failures = log.split("\n").filter((l) =>
      /master\[\d+\]: error: \w+ thread failed/.test(l)
    );
    assert.equal(failures.length, 2, log);
    assert.match(
      failures[0],
      /master\[\d+\]: error: smtpd thread failed: Error: smtpd thread: unknown message "no-such-message"; restarting in 0 s$/,
    );
    assert.match(
      failures[1],
      /master\[\d+\]: error: auth thread failed: Error: the auth thread fell over; restarting on demand in 0 s$/,
    );
    assert.doesNotMatch(log, /^\s+at /m);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
