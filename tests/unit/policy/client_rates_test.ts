import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type ClientLimitSettings,
  createClientLimits,
} from "../../../src/policy/client_rates.ts";
import { openSqliteState } from "../../../src/policy/sqlite_state.ts";

const BASE: ClientLimitSettings = {
  myhostname: "mx.example.org",
  smtpd_client_connection_count_limit: 2,
  smtpd_client_connection_rate_limit: 3,
  smtpd_client_message_rate_limit: 1,
  smtpd_client_auth_rate_limit: 1,
  anvil_rate_time_unit: 60,
  smtpd_client_event_limit_exceptions: ["127.0.0.0/8"],
};

Deno.test("client limits: concurrency, connection rate, messages, AUTH; exceptions", async () => {
  const dir = await Deno.makeTempDir();
  const clock = { now: 1_000_000 };
  const state = openSqliteState(join(dir, "s.sqlite"), () => clock.now);
  try {
    const limits = createClientLimits(
      state,
      () => BASE,
      "smtp",
      () => clock.now,
    );
    const who = "unknown[192.0.2.1]";
    const a = await limits.connect("192.0.2.1", who);
    const b = await limits.connect("192.0.2.1", who);
    assert.equal(a.refusal, null);
    assert.equal(b.refusal, null);
    const c = await limits.connect("192.0.2.1", who);
    assert.equal(
      c.refusal?.text,
      "mx.example.org Error: too many connections from 192.0.2.1",
    );
    assert.equal(
      c.refusal?.warning,
      "Connection concurrency limit exceeded: 3 from unknown[192.0.2.1] for service smtp",
    );
    c.release();
    b.release();
    // Three connections so far this minute: the fourth exceeds the rate.
    const d = await limits.connect("192.0.2.1", who);
    assert.match(d.refusal!.warning, /^Connection rate limit exceeded: 4 from/);
    d.release();
    a.release();
    clock.now += 61_000;
    const e = await limits.connect("192.0.2.1", who);
    assert.equal(e.refusal, null, "a new minute");
    e.release();
    assert.equal(await limits.message("192.0.2.1", who), null);
    assert.equal(
      (await limits.message("192.0.2.1", who))?.text,
      "Error: too much mail from 192.0.2.1",
    );
    assert.equal(await limits.auth("192.0.2.1", who), null);
    assert.equal((await limits.auth("192.0.2.1", who))?.code, 450);
    for (let i = 0; i < 5; i++) {
      const local = await limits.connect("127.0.0.1", "localhost[127.0.0.1]");
      assert.equal(local.refusal, null, "mynetworks-style exceptions");
      assert.equal(await limits.message("127.0.0.1", "localhost"), null);
    }
  } finally {
    state.close();
    await Deno.remove(dir, { recursive: true });
  }
});
