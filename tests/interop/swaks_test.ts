/**
 * Interop with swaks (the SMTP test tool admins use) and Postfix's own
 * smtp-source: pipelining, size limits, and the SMTP smuggling attempt.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  requireProgram,
  startDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { readMailbox } from "../helpers/mail.ts";

async function swaks(args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command("swaks", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test("swaks with PIPELINING delivers, and its transcript shows Postfix-style replies", async () => {
  if (!requireProgram("swaks")) return;
  const daemon = await startDaemon();
  try {
    const r = await swaks([
      "--server",
      `127.0.0.1:${daemon.port}`,
      "--pipeline",
      "--ehlo",
      "client.example.test",
      "--from",
      "sender@example.test",
      "--to",
      "one@localhost,two@localhost",
      "--header",
      "Subject: swaks pipelined",
      "--body",
      "pipelined body",
    ]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /<- {1,2}250-PIPELINING/);
    assert.match(r.out, /<- {1,2}250-SIZE \d+/);
    assert.match(r.out, /<- {1,2}250-ENHANCEDSTATUSCODES/);
    assert.match(r.out, /<- {1,2}250 2\.0\.0 Ok: queued as \w+/);
    assert.match(r.out, /<- {1,2}221 2\.0\.0 Bye/);
    for (const user of ["one", "two"]) {
      const dir = join(daemon.home, "mail", user);
      await waitFor(
        `delivery to ${user}`,
        async () =>
          (await listFiles(join(dir, "new"))).length === 1 || undefined,
      );
      const [m] = await readMailbox("maildir", dir);
      assert.equal(m.subject, "swaks pipelined");
      assert.deepEqual(m.delivered_to, [`${user}@localhost`]);
    }
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});

Deno.test("swaks: SIZE is announced and enforced without queueing anything", async () => {
  if (!requireProgram("swaks")) return;
  const daemon = await startDaemon({ params: { message_size_limit: 20000 } });
  try {
    const r = await swaks([
      "--server",
      `127.0.0.1:${daemon.port}`,
      "--from",
      "s@example.test",
      "--to",
      "big@localhost",
      "--body",
      "y".repeat(70) + "\n".repeat(1) + ("z".repeat(900) + "\n").repeat(60),
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /<\*\* +552 5\.3\.4 /);
    assert.deepEqual(
      await listFiles(join(daemon.queueDirectory, "incoming")),
      [],
    );
    assert.deepEqual(await listFiles(join(daemon.queueDirectory, "tmp")), []);
    assert.deepEqual(
      await listFiles(join(daemon.home, "mail", "big", "new")),
      [],
    );
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});

Deno.test("swaks: an SMTP smuggling attempt (bare LF dot) yields one message, not two", async () => {
  if (!requireProgram("swaks")) return;
  const daemon = await startDaemon();
  try {
    // --no-data-fixup sends DATA exactly as given: a bare "\n.\r\n" and
    // "\r.\r\n" followed by a second, smuggled transaction.
    const data =
      "Subject: outer\r\n\r\nfirst part\n.\r\nMAIL FROM:<evil@example.test>\r\n" +
      "RCPT TO:<smuggled@localhost>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r.\r\nstill outer\r\n.\r\n";
    const r = await swaks([
      "--server",
      `127.0.0.1:${daemon.port}`,
      "--from",
      "s@example.test",
      "--to",
      "victim@localhost",
      "--no-data-fixup",
      "--data",
      data,
    ]);
    assert.equal(r.code, 0, r.out);
    const dir = join(daemon.home, "mail", "victim");
    await waitFor(
      "delivery",
      async () => (await listFiles(join(dir, "new"))).length === 1 || undefined,
    );
    const [m] = await readMailbox("maildir", dir);
    assert.equal(m.subject, "outer");
    assert.match(m.body!, /MAIL FROM:<evil@example\.test>/);
    assert.match(m.body!, /still outer/);
    assert.deepEqual(
      await listFiles(join(daemon.home, "mail", "smuggled", "new")),
      [],
    );
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});

Deno.test("Postfix's smtp-source: 200 messages over 10 sessions all reach the Maildir", async () => {
  if (!requireProgram("smtp-source")) return;
  const daemon = await startDaemon();
  try {
    const r = await new Deno.Command("smtp-source", {
      args: [
        "-s",
        "10",
        "-m",
        "200",
        "-l",
        "2048",
        "-f",
        "src@example.test",
        "-t",
        "load@localhost",
        `127.0.0.1:${daemon.port}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    assert.equal(new TextDecoder().decode(r.stderr).trim(), "");
    const dir = join(daemon.home, "mail", "load", "new");
    await waitFor(
      "200 deliveries",
      async () => (await listFiles(dir)).length === 200 || undefined,
      60_000,
    );
  } finally {
    await daemon.stop();
    await Deno.remove(daemon.home, { recursive: true });
  }
});
