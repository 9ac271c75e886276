/**
 * The shipped systemd unit passes `systemd-analyze verify` (with its
 * ExecStart pointed at a stand-in, as the binary is not installed here).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { requireProgram } from "../helpers/daemon.ts";

const UNIT = new URL("../../packaging/mailsrv.service", import.meta.url);

Deno.test("packaging/mailsrv.service passes systemd-analyze verify", async () => {
  if (!requireProgram("systemd-analyze")) return;
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-unit-" });
  try {
    const binary = join(dir, "mailsrv");
    await Deno.writeTextFile(binary, "#!/bin/sh\nexit 0\n");
    await Deno.chmod(binary, 0o755);
    const text = await Deno.readTextFile(UNIT);
    assert.match(text, /^ExecReload=\/usr\/local\/sbin\/mailsrv reload /m);
    assert.match(text, /^ProtectSystem=strict$/m);
    const unit = join(dir, "mailsrv.service");
    await Deno.writeTextFile(
      unit,
      text.replaceAll("/usr/local/sbin/mailsrv", binary),
    );
    const out = await new Deno.Command("systemd-analyze", {
      args: ["verify", unit],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(out.stderr) +
      new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, said);
    assert.equal(said.trim(), "", said);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
