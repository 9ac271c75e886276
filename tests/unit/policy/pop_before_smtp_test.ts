import assert from "node:assert/strict";
import { join } from "node:path";
import {
  normalizeClientAddress,
  popBeforeSmtpOver,
} from "../../../src/policy/pop_before_smtp.ts";
import {
  openSqliteState,
  sharedStatePath,
} from "../../../src/policy/sqlite_state.ts";

async function withStore(
  body: (path: string, clock: { t: number }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-pbs-" });
  try {
    await body(sharedStatePath(join(dir, "queue")), { t: 1_700_000_000_000 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("an address is allowed only after its login, within the window", () =>
  withStore(async (path, clock) => {
    const state = openSqliteState(path, () => clock.t);
    const store = popBeforeSmtpOver(state, () => clock.t);
    try {
      assert.equal(await store.allows("192.0.2.7", 60), false);
      await store.record("192.0.2.7", 60);
      assert.equal(await store.allows("192.0.2.7", 60), true);
      assert.equal(await store.allows("192.0.2.8", 60), false);
      clock.t += 60_000;
      assert.equal(await store.allows("192.0.2.7", 60), true, "inclusive");
      clock.t += 1000;
      assert.equal(await store.allows("192.0.2.7", 60), false, "passed");
    } finally {
      state.close();
    }
  }));

Deno.test("a new login renews the window; a zero window allows nothing", () =>
  withStore(async (path, clock) => {
    const state = openSqliteState(path, () => clock.t);
    const store = popBeforeSmtpOver(state, () => clock.t);
    try {
      await store.record("192.0.2.7", 60);
      clock.t += 50_000;
      await store.record("192.0.2.7", 60);
      clock.t += 50_000;
      assert.equal(await store.allows("192.0.2.7", 60), true);
      assert.equal(await store.allows("192.0.2.7", 0), false);
    } finally {
      state.close();
    }
  }));

Deno.test("IPv4-mapped IPv6 addresses match their IPv4 form", () =>
  withStore(async (path, clock) => {
    assert.equal(normalizeClientAddress("::FFFF:192.0.2.1"), "192.0.2.1");
    const state = openSqliteState(path, () => clock.t);
    const store = popBeforeSmtpOver(state, () => clock.t);
    try {
      await store.record("::ffff:192.0.2.1", 60);
      assert.equal(await store.allows("192.0.2.1", 60), true);
    } finally {
      state.close();
    }
  }));

Deno.test("a login recorded through one open store is seen by another, and after reopening", () =>
  withStore(async (path, clock) => {
    const pop3 = openSqliteState(path, () => clock.t);
    const smtpd = openSqliteState(path, () => clock.t);
    try {
      await popBeforeSmtpOver(pop3, () => clock.t).record("192.0.2.7", 60);
      assert.equal(
        await popBeforeSmtpOver(smtpd, () => clock.t).allows("192.0.2.7", 60),
        true,
      );
    } finally {
      pop3.close();
      smtpd.close();
    }
    const again = openSqliteState(path, () => clock.t);
    try {
      assert.equal(
        await popBeforeSmtpOver(again, () => clock.t).allows("192.0.2.7", 60),
        true,
      );
      assert.equal((await Deno.stat(join(path, ".."))).mode! & 0o777, 0o700);
    } finally {
      again.close();
    }
  }));

Deno.test("a shared state of a newer format is refused", () =>
  withStore(async (path) => {
    openSqliteState(path).close();
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(path);
    db.exec("PRAGMA user_version = 99");
    db.close();
    assert.throws(() => openSqliteState(path), /has format 99/);
  }));
