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
