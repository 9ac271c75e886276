/**
 * `mailsrv queue` against real Postfix: a private Postfix (long queue
 * IDs) holds a deferred message with a long recipient list and its
 * reasons, one in delivery (active, to a next hop that never answers) and
 * one on hold (after a deferral, so with reasons too). Its `postqueue -j`
 * records, given to mailsrv's formatters, must print exactly what its
 * `postqueue -p` and `postqueue -j` print, and the same table as its
 * `qshape` (recipient and sender domains).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort, requireProgram, waitFor } from "../helpers/daemon.ts";
import {
  canRunPrivatePostfix,
  masterCf,
  run,
} from "../helpers/private_postfix.ts";
import {
  collectShape,
  formatListingJson,
  formatQueueListing,
  formatShape,
  type QueueListingEntry,
  type QueueName,
} from "../../src/queue/mod.ts";

interface PostqueueRecord {
  readonly queue_name: string;
  readonly queue_id: string;
  readonly arrival_time: number;
  readonly message_size: number;
  readonly sender: string;
  readonly recipients: { address: string; delay_reason?: string }[];
}

async function output(command: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(command, {
    args,
    env: { TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${command}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

Deno.test("mailsrv's listing formats print real postqueue -p and -j output byte for byte", async () => {
  if (!requireProgram("postqueue") || !requireProgram("postfix")) return;
  if (!canRunPrivatePostfix()) {
    if (Deno.env.get("CI") === "true") throw new Error("CI runs as root");
    console.warn("SKIPPED: a private Postfix needs root");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-postqueue-" });
  await Deno.chmod(dir, 0o755);
  const etc = join(dir, "etc");
  await Deno.mkdir(etc);
  await Deno.mkdir(join(dir, "spool"));
  await Deno.mkdir(join(dir, "data"));
  await run("chown", ["postfix", join(dir, "data")]);
  // A next hop that accepts and never answers keeps a message active.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const silentPort = (silent.addr as Deno.NetAddr).port;
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of silent) held.push(conn);
  })().catch(() => {});
  const refused = freePort();
  await Deno.writeTextFile(
    join(etc, "master.cf"),
    await masterCf(`127.0.0.1:${freePort()}`),
  );
  await Deno.writeTextFile(
    join(etc, "transport"),
    `slow.example smtp:[127.0.0.1]:${silentPort}\n`,
  );
  await Deno.writeTextFile(
    join(etc, "main.cf"),
    [
      "compatibility_level = 3.6",
      `queue_directory = ${join(dir, "spool")}`,
      `data_directory = ${join(dir, "data")}`,
      `maillog_file_prefixes = ${dir}`,
      `maillog_file = ${join(dir, "maillog")}`,
      "myhostname = postfix.test",
      "mydestination =",
      "inet_interfaces = 127.0.0.1",
      "inet_protocols = ipv4",
      "enable_long_queue_ids = yes",
      `relayhost = [127.0.0.1]:${refused}`,
      `transport_maps = texthash:${join(etc, "transport")}`,
      "alias_maps =",
      "biff = no",
      "",
    ].join("\n"),
  );
  try {
    await Deno.stat("/etc/postfix/main.cf");
  } catch {
    await Deno.copyFile("/etc/postfix/main.cf.proto", "/etc/postfix/main.cf");
  }
  const submit = (sender: string, recipients: string[], subject: string) =>
    run(
      "sendmail",
      ["-C", etc, "-f", sender, ...recipients],
      `Subject: ${subject}\n\nA message about ${subject}.\n`,
    );
  const records = async () =>
    (await output("postqueue", ["-c", etc, "-j"])).trim().split("\n")
      .filter(Boolean).map((l) => JSON.parse(l) as PostqueueRecord);
  try {
    await run("postfix", ["-c", etc, "start"]);
    const many = Array.from(
      { length: 12 },
      (_, i) => `recipient.number.${i}.with.a.long.name@far-away.example.net`,
    );
    await submit("alice@example.org", many, "many");
    await submit(
      "bob@example.org",
      ["carol@example.com", "dan@example.com"],
      "held",
    );
    await waitFor("two deferrals with reasons", async () => {
      const r = await records();
      return r.length === 2 &&
          r.every((m) =>
            m.queue_name === "deferred" && m.recipients[0].delay_reason
          ) || undefined;
    }, 60_000);
    const toHold = (await records()).find((m) =>
      m.sender === "bob@example.org"
    )!;
    await run("postsuper", ["-c", etc, "-h", toHold.queue_id]);
    await submit("erin@example.org", ["frank@slow.example"], "slow");
    await waitFor(
      "a message in delivery",
      async () =>
        (await records()).some((m) => m.queue_name === "active") || undefined,
      60_000,
    );

    const text = await output("postqueue", ["-c", etc, "-p"]);
    const json = await output("postqueue", ["-c", etc, "-j"]);
    const parsed = json.trim().split("\n").map((l) =>
      JSON.parse(l) as PostqueueRecord
    );
    assert.deepEqual(
      parsed.map((m) => m.queue_name).sort(),
      ["active", "deferred", "hold"],
    );
    const entries: QueueListingEntry[] = parsed.map((m) => ({
      id: m.queue_id,
      queue: m.queue_name as QueueName,
      size: m.message_size,
      arrivalTime: m.arrival_time * 1000,
      sender: m.sender,
      recipients: m.recipients.map((r) => ({
        address: r.address,
        reason: r.delay_reason,
      })),
    }));
    assert.equal(formatQueueListing(entries, { utc: true }), text);
    assert.equal(entries.map((e) => formatListingJson(e)).join(""), json);

    // qshape over the same queues: every message is under 5 minutes old.
    const spool = join(dir, "spool");
    const queues = ["active", "deferred", "hold"].map((q) => join(spool, q));
    for (const senders of [false, true]) {
      const shape = await output("qshape", [
        "-c",
        etc,
        ...(senders ? ["-s"] : []),
        ...queues,
      ]);
      assert.equal(
        formatShape(collectShape(entries, { now: Date.now(), senders })),
        shape,
      );
    }
  } finally {
    await run("postfix", ["-c", etc, "stop"]).catch(() => {});
    silent.close();
    for (const conn of held) conn.close();
    await accepting;
    await Deno.remove(dir, { recursive: true });
  }
});
