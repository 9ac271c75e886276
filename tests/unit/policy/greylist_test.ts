import assert from "node:assert/strict";
import { join } from "node:path";
import {
  greylistCheck,
  greylistNetwork,
  type GreylistSettings,
} from "../../../src/policy/greylist.ts";
import { openSqliteState } from "../../../src/policy/sqlite_state.ts";

const SETTINGS: GreylistSettings = {
  delay: 300,
  retryWindow: 2 * 86400,
  autoWhitelist: 2,
  maxAge: 35 * 86400,
};
const attempt = (
  clientAddress = "192.0.2.7",
  recipient = "bob@example.org",
) => ({
  clientAddress,
  sender: "alice@example.com",
  recipient,
});

async function withState(
  body: (
    state: ReturnType<typeof openSqliteState>,
    clock: { now: number },
    path: string,
  ) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  const clock = { now: 1_000_000_000_000 };
  const path = join(dir, "state.sqlite");
  const state = openSqliteState(path, () => clock.now);
  try {
    await body(state, clock, path);
  } finally {
    state.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("greylistNetwork keeps the /24 or /64", () => {
  assert.equal(greylistNetwork("192.0.2.77"), "192.0.2.0/24");
  assert.equal(greylistNetwork("2001:db8:1:2:3::9"), "2001:db8:1:2::/64");
  assert.equal(greylistNetwork("::ffff:192.0.2.1"), "192.0.2.0/24");
});

Deno.test("greylist: defer, defer too early, pass after the delay, pass again", async () => {
  await withState(async (state, clock) => {
    const check = () => greylistCheck(state, attempt(), SETTINGS, clock.now);
    assert.equal(await check(), "defer");
    clock.now += 299_000;
    assert.equal(await check(), "defer", "retried before the delay");
    clock.now += 2_000;
    assert.equal(await check(), "pass");
    clock.now += 86_400_000;
    assert.equal(await check(), "pass", "a passed triplet stays passed");
    // Another host of the same /24 is the same client.
    assert.equal(
      await greylistCheck(state, attempt("192.0.2.200"), SETTINGS, clock.now),
      "pass",
    );
  });
});

Deno.test("greylist: a retry after the window starts over", async () => {
  await withState(async (state, clock) => {
    const check = () => greylistCheck(state, attempt(), SETTINGS, clock.now);
    assert.equal(await check(), "defer");
    clock.now += (2 * 86400 + 1) * 1000;
    assert.equal(await check(), "defer");
    clock.now += 301_000;
    assert.equal(await check(), "pass");
  });
});

Deno.test("greylist: a client that retried often is whitelisted, and the state persists", async () => {
  await withState(async (state, clock, path) => {
    for (const rcpt of ["a@example.org", "b@example.org"]) {
      assert.equal(
        await greylistCheck(
          state,
          attempt(undefined, rcpt),
          SETTINGS,
          clock.now,
        ),
        "defer",
      );
      clock.now += 301_000;
      assert.equal(
        await greylistCheck(
          state,
          attempt(undefined, rcpt),
          SETTINGS,
          clock.now,
        ),
        "pass",
      );
    }
    const reopened = openSqliteState(path, () => clock.now);
    try {
      assert.equal(
        await greylistCheck(
          reopened,
          attempt(undefined, "new@example.org"),
          SETTINGS,
          clock.now,
        ),
        "pass",
        "whitelisted after 2 passes, across a reopen",
      );
    } finally {
      reopened.close();
    }
  });
});
