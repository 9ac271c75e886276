/** Tests for virtual.ts (the virtual agent) and its routing in router.ts. */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Resubmit } from "../../../../src/queue/enqueue.ts";
import { createRouter } from "../../../../src/delivery/router.ts";
import type {
  DeliveryMessage,
  DeliveryResult,
} from "../../../../src/delivery/types.ts";
import { deliverVirtual } from "../../../../src/delivery/virtual/virtual.ts";
import { testMessage, withTempDir } from "../test_message.ts";
import { virtualConfig } from "../virtual_fixture.ts";
import { OFFLINE_DNS } from "../../../helpers/offline_dns.ts";

/** Not root: no chown, so tests run anywhere. */
const OPTIONS = {
  uid: 1000,
  clock: () => 1_700_000_000_000,
  dns: OFFLINE_DNS,
};

async function maildirFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(join(dir, "new"))) {
    names.push(await Deno.readTextFile(join(dir, "new", entry.name)));
  }
  return names;
}

Deno.test("deliverVirtual: mbox per map, with Delivered-To", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const result = await deliverVirtual(
      testMessage({ recipient: "Alice@One.Test" }),
      config,
      OPTIONS,
    );
    assert.deepEqual(result, {
      outcome: "sent",
      dsn: "2.0.0",
      reason: "delivered to mailbox",
      relay: "virtual",
      dsnAction: "delivered",
    });
    const mbox = await Deno.readTextFile(
      join(config.virtual_mailbox_base, "one.test", "alice"),
    );
    assert.match(mbox, /^From alice@example\.org /);
    assert.match(mbox, /\nDelivered-To: alice@one\.test\n/i);
    assert.match(mbox, /\nHello\.\n\n$/);
  });
});

Deno.test("deliverVirtual: Maildir per map, and the @domain catch-all", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    for (const recipient of ["bob@two.test", "nobody@TWO.test"]) {
      const result = await deliverVirtual(
        testMessage({ recipient }),
        config,
        OPTIONS,
      );
      assert.equal(result.outcome, "sent", result.reason);
      assert.equal(result.reason, "delivered to maildir");
    }
    const base = config.virtual_mailbox_base;
    assert.equal((await maildirFiles(join(base, "two.test/bob"))).length, 1);
    const caught = await maildirFiles(join(base, "two.test/catchall"));
    assert.equal(caught.length, 1);
    assert.match(caught[0], /Delivered-To: nobody@two\.test\n/);
  });
});

Deno.test("deliverVirtual: unknown user bounces 5.1.1", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const result = await deliverVirtual(
      testMessage({ recipient: "carol@one.test" }),
      config,
      OPTIONS,
    );
    assert.equal(result.outcome, "bounced");
    assert.equal(result.dsn, "5.1.1");
    assert.equal(result.relay, "virtual");
  });
});

Deno.test("deliverVirtual: map values and names that escape the base bounce 5.1.3", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const recipients = [
      "evil@one.test",
      "abs@one.test",
      "dots@one.test",
      "a/b@two.test",
      "../x@two.test",
      ".hidden@two.test",
    ];
    for (const recipient of recipients) {
      const result = await deliverVirtual(
        testMessage({ recipient }),
        config,
        OPTIONS,
      );
      assert.equal(result.outcome, "bounced", recipient);
      assert.equal(result.dsn, "5.1.3", `${recipient}: ${result.reason}`);
    }
    const left = [];
    for await (const entry of Deno.readDir(config.virtual_mailbox_base)) {
      left.push(entry.name);
    }
    assert.deepEqual(left, [], "nothing was written anywhere");
  });
});

Deno.test("deliverVirtual: uid below virtual_minimum_uid defers 4.3.5", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const result = await deliverVirtual(
      testMessage({ recipient: "low@one.test" }),
      config,
      OPTIONS,
    );
    assert.equal(result.outcome, "deferred");
    assert.equal(result.dsn, "4.3.5");
    assert.match(result.reason, /mail system configuration error/);
  });
});

Deno.test("deliverVirtual: running as root chowns to the mapped uid/gid", async () => {
  if (Deno.uid() !== 0) {
    console.warn("SKIPPED: chown needs root");
    return;
  }
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const result = await deliverVirtual(
      testMessage({ recipient: "alice@one.test" }),
      config,
      { ...OPTIONS, uid: 0 },
    );
    assert.equal(result.outcome, "sent", result.reason);
    const base = config.virtual_mailbox_base;
    for (const path of ["one.test", "one.test/alice"]) {
      const info = await Deno.stat(join(base, path));
      assert.equal(info.uid, 5000, path);
      assert.equal(info.gid, 5000, path);
    }
  });
});

Deno.test("deliverVirtual: aliases fan out to virtual mailboxes", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const result = await deliverVirtual(
      testMessage({ recipient: "sales@one.test" }),
      config,
      OPTIONS,
    );
    assert.equal(result.outcome, "sent", result.reason);
    assert.equal(result.reason, "delivered to mailbox; delivered to maildir");
    assert.equal(result.dsnAction, "expanded", "a success notice says so");
    const base = config.virtual_mailbox_base;
    const mbox = await Deno.readTextFile(join(base, "one.test/alice"));
    assert.match(mbox, /Delivered-To: alice@one\.test\n/);
    assert.equal((await maildirFiles(join(base, "two.test/bob"))).length, 1);
  });
});

Deno.test("deliverVirtual: @domain wildcard alias keeps the local part", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const result = await deliverVirtual(
      testMessage({ recipient: "alice@alias.test" }),
      config,
      OPTIONS,
    );
    assert.equal(result.outcome, "sent", result.reason);
    const mbox = await Deno.readTextFile(
      join(config.virtual_mailbox_base, "one.test/alice"),
    );
    assert.match(mbox, /Delivered-To: alice@one\.test\n/);
  });
});

Deno.test("deliverVirtual: an alias naming itself keeps that address (not expanded again)", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const result = await deliverVirtual(
      testMessage({ recipient: "keep@one.test" }),
      config,
      OPTIONS,
    );
    // keep@one.test has no mailbox: the self copy bounces, alice's is sent.
    assert.equal(result.outcome, "bounced");
    assert.equal(result.dsn, "5.1.1");
    assert.match(result.reason, /keep@one\.test/);
  });
});

Deno.test("deliverVirtual: alias loop bounces 5.4.6", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const result = await deliverVirtual(
      testMessage({ recipient: "loop1@one.test" }),
      config,
      OPTIONS,
    );
    assert.equal(result.outcome, "bounced");
    assert.equal(result.dsn, "5.4.6");
  });
});

Deno.test("deliverVirtual: remote targets are resubmitted, local ones go to local delivery", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const resubmitted: string[][] = [];
    let forwardedContent = "";
    const resubmit: Resubmit = async (request) => {
      resubmitted.push([...request.recipients]);
      forwardedContent = await new Response(await request.content()).text();
      return "NEWQUEUEID";
    };
    const local: string[] = [];
    const deliverLocal = (message: DeliveryMessage) => {
      local.push(message.recipient);
      return Promise.resolve<DeliveryResult>({
        outcome: "sent",
        dsn: "2.0.0",
        reason: "delivered to maildir",
        relay: "local",
      });
    };
    const result = await deliverVirtual(
      testMessage({ recipient: "ext@one.test" }),
      config,
      { ...OPTIONS, resubmit, deliverLocal },
    );
    assert.equal(result.outcome, "sent", result.reason);
    assert.deepEqual(resubmitted, [["friend@remote.example"]]);
    assert.match(forwardedContent, /^Delivered-To: ext@one\.test\n/);
    assert.deepEqual(local, ["root@example.org"]);
    assert.match(result.reason, /forwarded as NEWQUEUEID/);
  });
});

Deno.test("deliverVirtual: a message already delivered to this recipient bounces 5.4.6", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const result = await deliverVirtual(
      testMessage({
        recipient: "alice@one.test",
        content: "Delivered-To: alice@one.test\nSubject: x\n\nbody\n",
      }),
      config,
      OPTIONS,
    );
    assert.equal(result.outcome, "bounced");
    assert.equal(result.dsn, "5.4.6");
  });
});

Deno.test("router: virtual domains go to the virtual agent, others go out by SMTP", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    const route = createRouter(() => config, OPTIONS);
    const virtual = await route(testMessage({ recipient: "alice@one.test" }));
    assert.equal(virtual.relay, "virtual");
    assert.equal(virtual.outcome, "sent", virtual.reason);
    const unknown = await route(testMessage({ recipient: "x@two.test." }));
    assert.equal(unknown.relay, "virtual");
    const remote = await route(testMessage({ recipient: "x@elsewhere.test" }));
    assert.deepEqual([remote.outcome, remote.dsn], ["deferred", "4.4.3"]);
  });
});

Deno.test("router: an unreadable domain list defers 4.3.0", async () => {
  await withTempDir(async (dir) => {
    const config = await virtualConfig(dir);
    await Deno.remove(join(dir, "vdomains"));
    const route = createRouter(() => config, OPTIONS);
    const result = await route(testMessage({ recipient: "alice@one.test" }));
    assert.deepEqual([result.outcome, result.dsn], ["deferred", "4.3.0"]);
  });
});
