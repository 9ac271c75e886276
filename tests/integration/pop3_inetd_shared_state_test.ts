/**
 * `mailsrv pop3 --inetd` with Redis as the shared state: the process
 * serves one session and exits, and the pop-before-smtp login it records
 * is in Redis when it has exited (the write is awaited, not dropped).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  mailsrvCommand,
  requireProgram,
  runMailsrv,
} from "../helpers/daemon.ts";
import { haveRedis, startRedis } from "../helpers/redis_server.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";

Deno.test("mailsrv pop3 --inetd records the pop-before-smtp login in Redis before it exits", async () => {
  if (!haveRedis() || !requireProgram("htpasswd")) return;
  const redis = await startRedis();
  const home = await Deno.makeTempDir({ prefix: "mailsrv-inetd-redis-" });
  try {
    const setup = await virtualSetup(home);
    const params = {
      ...setup.params,
      queue_directory: join(home, "queue"),
      maillog_file: join(home, "maillog"),
      shared_state: redis.url(),
      pop_before_smtp_window: "30m",
    };
    const configPath = join(home, "mailsrv.toml");
    await Deno.writeTextFile(
      configPath,
      Object.entries(params).map(([k, v]) => `${k} = ${JSON.stringify(v)}\n`)
        .join(""),
    );
    const [cmd, ...args] = mailsrvCommand([
      "pop3",
      "--inetd",
      "--config",
      configPath,
    ]);
    const child = new Deno.Command(cmd, {
      args,
      env: { TCPREMOTEIP: "127.0.0.9" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    // The whole session at once: QUIT comes right after the login.
    await w.write(
      new TextEncoder().encode("USER bob@two.test\r\nPASS secret2\r\nQUIT\r\n"),
    );
    await w.close();
    const out = await child.output();
    const dec = new TextDecoder();
    assert.equal(out.code, 0, dec.decode(out.stderr));
    assert.match(dec.decode(out.stdout), /\+OK[^\r]*\r\n$/);
    const listed = await runMailsrv([
      "state",
      "list",
      "pop-before-smtp",
      "--config",
      configPath,
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^pop-before-smtp\t127\.0\.0\.9\t\d+\t/m);
  } finally {
    await redis.stop();
    await Deno.remove(home, { recursive: true });
  }
});
