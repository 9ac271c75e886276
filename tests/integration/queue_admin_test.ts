/**
 * Queue administration end to end (issue 13): `mailsrv queue` listing and
 * `--json`, surgery (`queue delete|hold|release|requeue`, `postsuper`),
 * `queue show` / `postcat`, `queue shape`, `purge` and `repair`, with the
 * daemon stopped (files under the queue lock) and running (through the
 * queue manager), and surgery while the manager delivers: nothing
 * delivered twice, nothing lost, the right messages acted on.
 *
 * Deliveries go to a local alias whose command (run as nobody) exits 75
 * while out/fail exists, blocks while out/hold exists (a delivery in
 * progress), and otherwise appends the message to out/delivered.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  listFiles,
  mailsrvCommand,
  runMailsrv,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";

async function linkHome(): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-qadmin-" });
  await Deno.chmod(home, 0o755);
  const out = join(home, "out");
  await Deno.mkdir(out);
  await Deno.chmod(out, 0o777);
  await Deno.writeTextFile(
    join(out, "link.sh"),
    [
      `touch ${out}/started`,
      `while [ -e ${out}/hold ]; do sleep 0.05; done`,
      `[ -e ${out}/fail ] && exit 75`,
      `cat >> ${out}/delivered`,
    ].join("\n") + "\n",
  );
  await Deno.writeTextFile(
    join(home, "aliases"),
    `link: "|/bin/sh ${out}/link.sh"\n`,
  );
  return home;
}

const flag = (home: string, name: string) =>
  Deno.writeTextFile(join(home, "out", name), "");
const unflag = (home: string, name: string) =>
  Deno.remove(join(home, "out", name)).catch(() => {});

async function started(home: string): Promise<TestDaemon> {
  return await startDaemon({
    home,
    params: {
      alias_maps: `hash:${join(home, "aliases")}`,
      // Deferred mail waits for us, not for a queue run.
      queue_run_delay: 3600,
      minimal_backoff_time: 3600,
      maximal_backoff_time: 7200,
    },
  });
}

/** Sends one message with a subject naming it; resolves to its queue ID. */
async function send(daemon: TestDaemon, subject: string): Promise<string> {
  const [sent] = await sendWithSmtplib(
    daemon.port,
    "sender@localhost",
    ["link@localhost"],
    { header: `X-Test: ${subject}` },
  );
  assert.equal(sent.code, 250, sent.reply);
  return sent.reply.match(/queued as (\S+)/)![1];
}

/** How often the message marked `subject` was delivered. */
async function deliveries(home: string, subject: string): Promise<number> {
  const text = await Deno.readTextFile(join(home, "out", "delivered"))
    .catch(() => "");
  return text.split("\n").filter((l) => l === `X-Test: ${subject}`).length;
}

async function queueOf(
  queueDirectory: string,
  id: string,
): Promise<string | undefined> {
  for (const q of ["maildrop", "incoming", "active", "deferred", "hold"]) {
    if ((await listFiles(join(queueDirectory, q))).includes(id)) return q;
  }
  return undefined;
}

async function waitIn(queueDirectory: string, id: string, queue: string) {
  await waitFor(
    `${id} in ${queue}/`,
    async () => (await queueOf(queueDirectory, id)) === queue || undefined,
  );
}

function cli(
  daemonOrConfig: { configPath: string },
  args: string[],
  stdin?: string,
) {
  return runMailsrv([...args, "--config", daemonOrConfig.configPath], {
    stdin,
  });
}

/** Starts `mailsrv ARGS…` without waiting for it. */
function spawnCli(configPath: string, args: string[]) {
  const [cmd, ...rest] = mailsrvCommand([...args, "--config", configPath]);
  return new Deno.Command(cmd, {
    args: rest,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test("queue surgery with the daemon stopped acts on the files under the queue lock", async () => {
  const home = await linkHome();
  await flag(home, "fail");
  let daemon = await started(home);
  const q = daemon.queueDirectory;
  const ids: string[] = [];
  try {
    for (const name of ["one", "two", "three", "four"]) {
      ids.push(await send(daemon, name));
    }
    for (const id of ids) await waitIn(q, id, "deferred");
  } finally {
    await daemon.stop();
  }
  const [one, two, three, four] = ids;

  const listing = await cli(daemon, ["queue"]);
  assert.equal(listing.code, 0, listing.stderr);
  assert.match(
    listing.stdout,
    /^----Queue ID----- --Size-- ---Arrival Time---- --Sender\/Recipient------\n/,
  );
  assert.match(listing.stdout, /\n-- \d+ Kbytes in 4 Requests\.\n$/);
  assert.match(
    listing.stdout,
    /^ *\(Command died with status 75 .*\)\n {47}link@localhost$/m,
  );

  const json = await cli(daemon, ["queue", "--json"]);
  const objects = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(objects.map((o) => o.queue_id), [...ids].sort());
  assert.equal(objects[0].queue_name, "deferred");
  assert.equal(objects[0].forced_expire, false);
  assert.equal(objects[0].recipients[0].address, "link@localhost");
  assert.ok(objects[0].recipients[0].delay_reason);

  const held = await cli(daemon, ["queue", "hold", one]);
  assert.equal(held.code, 0, held.stderr);
  assert.equal(
    held.stderr,
    `postsuper: ${one}: placed on hold\npostsuper: Placed on hold: 1 message\n`,
  );
  assert.equal(await queueOf(q, one), "hold");
  assert.match(
    (await cli(daemon, ["queue"])).stdout,
    new RegExp(`^${one}! `, "m"),
  );

  const shown = await cli(daemon, ["queue", "show", one]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(
    shown.stdout,
    new RegExp(`^\\*\\*\\* ENVELOPE RECORDS hold/${one} \\*\\*\\*\n`),
  );
  assert.match(shown.stdout, /^sender: sender@localhost$/m);
  assert.match(shown.stdout, /^recipient: P link@localhost$/m);
  assert.match(shown.stdout, /^X-Test: one$/m);
  const headers = await cli(daemon, ["postcat", "-q", "-h", one]);
  assert.match(headers.stdout, /^X-Test: one$/m);
  assert.doesNotMatch(headers.stdout, /ENVELOPE|^sender:/m);

  // Lower-case "all" is no safety catch: it is refused as a queue ID.
  const lower = await cli(daemon, ["queue", "delete", "all"]);
  assert.equal(
    lower.stderr,
    "postsuper: warning: invalid mail queue id: all\n",
  );
  assert.equal(
    (await cli(daemon, ["queue", "--json"])).stdout.trim().split("\n").length,
    4,
  );

  const deleted = await cli(daemon, ["postsuper", "-d", two]);
  assert.equal(
    deleted.stderr,
    `postsuper: ${two}: removed\npostsuper: Deleted: 1 message\n`,
  );
  assert.equal(await queueOf(q, two), undefined);

  const released = await cli(daemon, ["postsuper", "-H", one]);
  assert.equal(
    released.stderr,
    `postsuper: ${one}: released from hold\npostsuper: Released from hold: 1 message\n`,
  );
  assert.equal(await queueOf(q, one), "incoming");

  const requeued = await cli(daemon, ["queue", "requeue", "-"], `${three}\n`);
  assert.equal(
    requeued.stderr,
    `postsuper: ${three}: requeued\npostsuper: Requeued: 1 message\n`,
  );
  assert.equal(await queueOf(q, three), "incoming");

  const shape = await cli(daemon, ["queue", "shape", "incoming", "deferred"]);
  assert.match(
    shape.stdout,
    /^ +T +5 +10 +20 +40 +80 +160 +320 +640 +1280 +1280\+\n/,
  );
  assert.match(shape.stdout, /^ +TOTAL +3 +3 +0/m);
  assert.match(shape.stdout, /^ +localhost +3 +3 +0/m);

  // Upkeep with the daemon stopped: a stray file and an unreadable one go
  // to corrupt/, an old temporary file goes.
  await Deno.writeTextFile(join(q, "deferred", "notes"), "mine");
  const bogus = "8E9aaaaaaaaaaaa";
  await Deno.writeTextFile(join(q, "hold", bogus), "garbage");
  const old = new Date(Date.now() - 2 * 86_400_000);
  await Deno.writeTextFile(join(q, "tmp", "8E9bbbbbbbbbbbb"), "x");
  await Deno.utime(join(q, "tmp", "8E9bbbbbbbbbbbb"), old, old);
  const repaired = await cli(daemon, ["postsuper", "-s", "-p"]);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.match(
    repaired.stderr,
    /^postsuper: warning: deferred\/notes: bogus file name; moved to corrupt\/notes$/m,
  );
  assert.match(
    repaired.stderr,
    new RegExp(
      `^postsuper: warning: hold/${bogus}: .*; moved to corrupt/${bogus}$`,
      "m",
    ),
  );
  assert.deepEqual(
    await listFiles(join(q, "corrupt")),
    [bogus, "notes"].sort(),
  );
  assert.deepEqual(await listFiles(join(q, "tmp")), []);

  // The daemon, started again, delivers what was released and requeued,
  // and never the deleted message.
  await unflag(home, "fail");
  const held4 = await cli(daemon, ["postsuper", "-h", four]);
  assert.equal(held4.code, 0);
  daemon = await started(home);
  try {
    await waitFor(
      "the deliveries",
      async () =>
        (await deliveries(home, "one")) === 1 &&
          (await deliveries(home, "three")) === 1 || undefined,
    );
    assert.equal(await deliveries(home, "two"), 0);
    assert.equal(await deliveries(home, "four"), 0);
    assert.equal(await queueOf(q, four), "hold");
  } finally {
    await daemon.stop();
  }
  await Deno.remove(home, { recursive: true });
});

Deno.test("surgery while the manager delivers: acted on after the attempt, never twice, never lost", async () => {
  const home = await linkHome();
  const daemon = await started(home);
  const q = daemon.queueDirectory;
  const startedFile = join(home, "out", "started");
  const inDelivery = async (subject: string) => {
    await unflag(home, "started");
    await flag(home, "hold");
    const id = await send(daemon, subject);
    await waitFor(
      `${subject} in delivery`,
      () => Deno.stat(startedFile).then(() => true, () => undefined),
    );
    return id;
  };
  try {
    // delete during an attempt that defers: removed after it, never delivered
    await flag(home, "fail");
    const a = await inDelivery("a");
    const listing = await cli(daemon, ["queue"]);
    assert.match(listing.stdout, new RegExp(`^${a}\\* `, "m"));
    const deleting = spawnCli(daemon.configPath, ["queue", "delete", a]);
    await unflag(home, "hold");
    const deleted = await deleting.output();
    assert.equal(
      new TextDecoder().decode(deleted.stderr),
      `postsuper: ${a}: removed\npostsuper: Deleted: 1 message\n`,
    );
    assert.equal(await queueOf(q, a), undefined);

    // hold during an attempt that delivers: delivered once, nothing held
    await unflag(home, "fail");
    const b = await inDelivery("b");
    const holding = spawnCli(daemon.configPath, ["postsuper", "-h", b]);
    await unflag(home, "hold");
    const held = await holding.output();
    assert.equal(held.code, 0);
    assert.equal(new TextDecoder().decode(held.stderr), "");
    await waitFor(
      "b removed",
      async () => (await queueOf(q, b)) === undefined || undefined,
    );
    assert.equal(await deliveries(home, "b"), 1);

    // hold during an attempt that defers, then release: delivered once
    await flag(home, "fail");
    const c = await inDelivery("c");
    const holdingC = spawnCli(daemon.configPath, ["queue", "hold", c]);
    await unflag(home, "hold");
    assert.match(
      new TextDecoder().decode((await holdingC.output()).stderr),
      new RegExp(`^postsuper: ${c}: placed on hold\n`),
    );
    assert.equal(await queueOf(q, c), "hold");
    await unflag(home, "fail");
    const release = await cli(daemon, ["queue", "release", c]);
    assert.match(release.stderr, /Released from hold: 1 message/);
    await waitFor(
      "c delivered",
      async () => (await deliveries(home, "c")) === 1 || undefined,
    );

    // requeue during an attempt that defers: taken again at once (and
    // deferred again: the link still fails), then requeued once the link
    // works: delivered once
    await flag(home, "fail");
    const d = await inDelivery("d");
    const requeueing = spawnCli(daemon.configPath, ["queue", "requeue", d]);
    await unflag(home, "started");
    await unflag(home, "hold");
    assert.match(
      new TextDecoder().decode((await requeueing.output()).stderr),
      new RegExp(`^postsuper: ${d}: requeued\n`),
    );
    await waitFor(
      "d tried again",
      () => Deno.stat(startedFile).then(() => true, () => undefined),
    );
    await waitIn(q, d, "deferred");
    await unflag(home, "fail");
    const again = await cli(daemon, ["queue", "requeue", d]);
    assert.match(again.stderr, /Requeued: 1 message\n$/);
    await waitFor(
      "d delivered",
      async () => (await deliveries(home, "d")) === 1 || undefined,
    );

    // Many at once: hold ALL while mail flows, release ALL, every message
    // delivered exactly once.
    await flag(home, "fail");
    const many: string[] = [];
    for (let i = 0; i < 6; i++) many.push(await send(daemon, `m${i}`));
    const all = await cli(daemon, ["queue", "hold", "ALL"]);
    assert.equal(all.code, 0, all.stderr);
    await waitFor("all settled", async () => {
      const places = await Promise.all(many.map((id) => queueOf(q, id)));
      return places.every((p) => p === "hold" || p === "deferred") || undefined;
    });
    await cli(daemon, ["queue", "hold", "ALL"]);
    for (const id of many) assert.equal(await queueOf(q, id), "hold");
    await unflag(home, "fail");
    const releasedAll = await cli(daemon, ["postsuper", "-H", "ALL"]);
    assert.equal(
      releasedAll.stderr,
      "postsuper: Released from hold: 6 messages\n",
    );
    await waitFor("all delivered", async () => {
      const counts = await Promise.all(
        many.map((_, i) => deliveries(home, `m${i}`)),
      );
      return counts.every((n) => n === 1) || undefined;
    });
    assert.equal(await deliveries(home, "a"), 0);

    // Upkeep beside the running daemon leaves its spare files alone.
    const spares = (await listFiles(join(q, "tmp"))).filter((n) =>
      n.startsWith("spare.")
    );
    assert.ok(spares.length > 0);
    const purged = await cli(daemon, ["queue", "purge"]);
    assert.equal(purged.code, 0, purged.stderr);
    const repaired = await cli(daemon, ["queue", "repair"]);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.equal(repaired.stderr, "");
    const left = await listFiles(join(q, "tmp"));
    for (const spare of spares) assert.ok(left.includes(spare), spare);
  } finally {
    await unflag(home, "hold");
    await daemon.stop();
  }
  await Deno.remove(home, { recursive: true });
});
