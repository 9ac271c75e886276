import assert from "node:assert/strict";
import { join } from "node:path";
import {
  normalizeClientAddress,
  openPopBeforeSmtp,
  popBeforeSmtpPath,
} from "../../../src/policy/pop_before_smtp.ts";

/** A clock the test moves by hand (milliseconds). */
function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (seconds: number) => void (t += seconds * 1000),
  };
}

async function withStore(
  body: (path: string, dir: string) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-pbs-" });
  try {
    await body(popBeforeSmtpPath(join(dir, "queue")), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("an address is allowed only after its login, within the window", () =>
  withStore((path) => {
    const clock = manualClock();
    const store = openPopBeforeSmtp(path, clock);
    try {
      assert.equal(store.allows("192.0.2.7", 60), false, "never logged in");
      store.record("192.0.2.7");
      assert.equal(store.allows("192.0.2.7", 60), true);
      assert.equal(store.allows("192.0.2.8", 60), false, "another address");
      clock.advance(60);
      assert.equal(store.allows("192.0.2.7", 60), true, "window is inclusive");
      clock.advance(1);
      assert.equal(store.allows("192.0.2.7", 60), false, "window passed");
    } finally {
      store.close();
    }
  }));

Deno.test("rows older than the window are pruned when smtpd asks", () =>
  withStore((path) => {
    const clock = manualClock();
    const store = openPopBeforeSmtp(path, clock);
    try {
      store.record("192.0.2.7");
      clock.advance(120);
      assert.equal(store.allows("192.0.2.99", 60), false);
      assert.equal(
        store.allows("192.0.2.7", 3600),
        false,
        "the row expired under the 60 s window is gone",
      );
    } finally {
      store.close();
    }
  }));

Deno.test("a new login renews the window; a zero window allows nothing", () =>
  withStore((path) => {
    const clock = manualClock();
    const store = openPopBeforeSmtp(path, clock);
    try {
      store.record("2001:DB8::1");
      clock.advance(50);
      store.record("2001:db8::1");
      clock.advance(50);
      assert.equal(
        store.allows("2001:db8::1", 60),
        true,
        "renewed, case-insensitive",
      );
      assert.equal(store.allows("2001:db8::1", 0), false);
    } finally {
      store.close();
    }
  }));

Deno.test("IPv4-mapped IPv6 addresses match their IPv4 form", () => {
  assert.equal(normalizeClientAddress("::FFFF:192.0.2.1"), "192.0.2.1");
  assert.equal(normalizeClientAddress("192.0.2.1"), "192.0.2.1");
  assert.equal(normalizeClientAddress("::1"), "::1");
  return withStore((path) => {
    const store = openPopBeforeSmtp(path, manualClock());
    try {
      store.record("::ffff:192.0.2.1");
      assert.equal(store.allows("192.0.2.1", 10), true);
    } finally {
      store.close();
    }
  });
});

Deno.test("logins survive closing and reopening the store, in a 0700 directory", () =>
  withStore(async (path) => {
    const clock = manualClock();
    const first = openPopBeforeSmtp(path, clock);
    first.record("198.51.100.4");
    first.close();
    const mode = (await Deno.stat(join(path, ".."))).mode! & 0o777;
    assert.equal(mode, 0o700);
    clock.advance(10);
    const second = openPopBeforeSmtp(path, clock);
    try {
      assert.equal(second.allows("198.51.100.4", 30), true);
      assert.equal(second.allows("198.51.100.4", 5), false);
    } finally {
      second.close();
    }
  }));

Deno.test("a login recorded by one process is seen by another open store", () =>
  withStore((path) => {
    const clock = manualClock();
    const smtpd = openPopBeforeSmtp(path, clock);
    const pop3 = openPopBeforeSmtp(path, clock);
    try {
      assert.equal(smtpd.allows("192.0.2.50", 30), false);
      pop3.record("192.0.2.50");
      assert.equal(smtpd.allows("192.0.2.50", 30), true);
    } finally {
      smtpd.close();
      pop3.close();
    }
  }));

Deno.test("a store of a newer format is refused", () =>
  withStore(async (path) => {
    const { DatabaseSync } = await import("node:sqlite");
    openPopBeforeSmtp(path).close();
    const db = new DatabaseSync(path);
    db.exec("PRAGMA user_version = 99");
    db.close();
    assert.throws(() => openPopBeforeSmtp(path), /has format 99/);
  }));
