import assert from "node:assert/strict";
import { join } from "node:path";
import type { Config } from "../../../src/config/types.ts";
import { createRouter } from "../../../src/delivery/router.ts";
import { listDir, withLocalFixture } from "./local_fixture.ts";
import { testMessage } from "./test_message.ts";
import { OFFLINE_DNS } from "../../helpers/offline_dns.ts";

Deno.test("router: local domains go to the local agent", async () => {
  await withLocalFixture(async (fixture) => {
    const route = createRouter(() => fixture.config(), {
      mapOptions: { passwdFile: fixture.passwdFile },
      uid: 4000,
    });
    const result = await route(testMessage({ recipient: "bob@LOCALHOST" }));
    assert.deepEqual(result, {
      outcome: "sent",
      dsn: "2.0.0",
      reason: "delivered to maildir",
      relay: "local",
      dsnAction: "delivered",
    });
    assert.equal((await listDir(join(fixture.spool, "bob", "new"))).length, 1);
  });
});

Deno.test("router: other domains go out by SMTP; with the DNS unreachable they wait (4.4.3)", async () => {
  await withLocalFixture(async (fixture) => {
    let config: Config = fixture.config();
    const route = createRouter(() => config, {
      mapOptions: { passwdFile: fixture.passwdFile },
      uid: 4000,
      dns: OFFLINE_DNS,
    });
    const message = testMessage({ recipient: "bob@example.net" });
    assert.deepEqual(await route(message), {
      outcome: "deferred",
      dsn: "4.4.3",
      reason: "Host or domain name not found. Name service error for " +
        "name=example.net type=MX: Host not found, try again",
      relay: "none",
    });
    assert.deepEqual(await listDir(fixture.spool), []);
    config = fixture.config({ mydestination: ["example.net"] });
    assert.equal((await route(message)).outcome, "sent");
  });
});

Deno.test("router: defer_transports holds mail back unless a flush asked for the attempt", async () => {
  await withLocalFixture(async (fixture) => {
    const route = createRouter(
      () => fixture.config({ defer_transports: ["local"] }),
      { mapOptions: { passwdFile: fixture.passwdFile }, uid: 4000 },
    );
    const message = testMessage({ recipient: "bob@localhost" });
    assert.deepEqual(await route(message), {
      outcome: "deferred",
      dsn: "4.3.2",
      reason: "deferred transport",
      relay: "none",
    });
    assert.deepEqual(await listDir(fixture.spool), []);
    const flushed = await route({ ...message, flushRequested: true });
    assert.equal(flushed.outcome, "sent");
  });
});

Deno.test("router: defer_transports = smtp holds remote mail without a DNS lookup; a flush tries it", async () => {
  await withLocalFixture(async (fixture) => {
    let lookups = 0;
    const countingDns = new Proxy(OFFLINE_DNS, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          lookups++;
          return value.apply(target, args);
        };
      },
    });
    const route = createRouter(
      () => fixture.config({ defer_transports: ["smtp"] }),
      {
        mapOptions: { passwdFile: fixture.passwdFile },
        uid: 4000,
        dns: countingDns,
      },
    );
    const message = testMessage({ recipient: "bob@example.net" });
    assert.equal((await route(message)).reason, "deferred transport");
    assert.equal(lookups, 0, "held mail costs no DNS query");
    const flushed = await route({ ...message, flushRequested: true });
    assert.equal(flushed.dsn, "4.4.3", "a flush tries it (DNS down here)");
    assert.ok(lookups > 0);
    assert.equal(
      (await route(testMessage({ recipient: "bob@localhost" }))).outcome,
      "sent",
      "local mail is not held",
    );
  });
});

Deno.test("router: local_destination_concurrency_limit holds a recipient's deliveries until the one under way has written its mailbox", async () => {
  await withLocalFixture(async (fixture) => {
    const calls: Array<{ written?: () => void; done: () => void }> = [];
    const route = createRouter(
      () => fixture.config({ local_destination_concurrency_limit: 1 }),
      {
        localAgent: (request) =>
          new Promise((resolve) =>
            calls.push({
              written: request.kind === "local" ? request.written : undefined,
              done: () =>
                resolve({
                  outcome: "sent",
                  dsn: "2.0.0",
                  reason: "delivered to maildir",
                  relay: "local",
                }),
            })
          ),
      },
    );
    const pause = () => new Promise((r) => setTimeout(r, 5));
    const until = async (count: number) => {
      for (let i = 0; i < 2000 && calls.length < count; i++) await pause();
    };
    const message = testMessage({ recipient: "bob@localhost" });
    const first = route(message);
    const second = route(message);
    await until(1);
    // Both have resolved their address by now; only one has a slot.
    for (let i = 0; i < 10; i++) await pause();
    assert.equal(calls.length, 1, "one delivery to bob at a time");
    calls[0].written?.();
    await until(2);
    assert.equal(calls.length, 2, "the next starts once the first has written");
    for (const call of calls) call.done();
    assert.equal((await first).outcome, "sent");
    assert.equal((await second).outcome, "sent");
  });
});
