/**
 * One behaviour suite for every shared-state store: the SQLite file and
 * Redis must answer alike (sqlite_state_test.ts and redis_state_test.ts
 * run it). A store comes with a clock: a fake one that `advance` moves
 * for SQLite, the real one that `advance` sleeps through for Redis (only
 * "has it expired yet" waits, on times of tens of milliseconds).
 */
import assert from "node:assert/strict";
import type { SharedState } from "../../../src/policy/shared_state.ts";

/** A store under test. */
export interface StoreUnderTest {
  readonly state: SharedState;
  /** A second handle on the same store: another process or host. */
  peer(): SharedState;
  now(): number;
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

const LONG = 600_000;

/** Registers the suite for one kind of store. */
export function sharedStateConformance(
  kind: string,
  open: () => Promise<StoreUnderTest>,
  options: { ignore?: boolean; sanitize?: boolean } = {},
): void {
  const test = (name: string, body: (s: StoreUnderTest) => Promise<void>) =>
    Deno.test({
      name: `${kind} shared state: ${name}`,
      ignore: options.ignore,
      sanitizeOps: options.sanitize ?? true,
      sanitizeResources: options.sanitize ?? true,
      async fn() {
        const store = await open();
        try {
          await body(store);
        } finally {
          await store.close();
        }
      },
    });

  test("put, get, overwrite; tables and keys are apart", async ({ state }) => {
    assert.equal(await state.get("t", "a"), undefined);
    await state.put("t", "a", "1", LONG);
    await state.put("t", "a b:c", "2", LONG);
    await state.put("u", "a", "3", LONG);
    assert.equal(await state.get("t", "a"), "1");
    assert.equal(await state.get("t", "a b:c"), "2");
    assert.equal(await state.get("u", "a"), "3");
    await state.put("t", "a", "4", LONG);
    assert.equal(await state.get("t", "a"), "4");
  });

  test("an entry is gone once its time to live has passed", async (s) => {
    await s.state.put("t", "short", "x", 30);
    await s.state.put("t", "long", "y", LONG);
    await s.advance(80);
    assert.equal(await s.state.get("t", "short"), undefined);
    assert.equal(await s.state.get("t", "long"), "y");
  });

  test("putIfAbsent stores once and returns what is there", async (s) => {
    assert.equal(await s.state.putIfAbsent("t", "k", "first", LONG), undefined);
    assert.equal(await s.state.putIfAbsent("t", "k", "second", LONG), "first");
    assert.equal(await s.state.get("t", "k"), "first");
    await s.state.put("t", "e", "old", 30);
    await s.advance(80);
    assert.equal(
      await s.state.putIfAbsent("t", "e", "new", LONG),
      undefined,
      "an expired entry counts as absent",
    );
    assert.equal(await s.state.get("t", "e"), "new");
  });

  test("touch extends a live entry and creates nothing", async (s) => {
    await s.state.put("t", "k", "v", 30);
    await s.state.touch("t", "k", LONG);
    await s.state.touch("t", "absent", LONG);
    await s.advance(80);
    assert.equal(await s.state.get("t", "k"), "v");
    assert.equal(await s.state.get("t", "absent"), undefined);
  });

  test("increment counts from 1 and starts over after expiry", async (s) => {
    assert.equal(await s.state.increment("t", "n", LONG), 1);
    assert.equal(await s.state.increment("t", "n", LONG), 2);
    assert.equal(await s.state.get("t", "n"), "2");
    await s.state.increment("t", "m", 30);
    await s.advance(80);
    assert.equal(await s.state.increment("t", "m", LONG), 1);
  });

  test("count is a sliding window on the caller's times", async (s) => {
    const t0 = s.now();
    const w = 60_000;
    assert.equal(await s.state.count("r", "a", t0, w), 1);
    assert.equal(await s.state.count("r", "a", t0 + 10, w), 2);
    assert.equal(await s.state.count("r", "a", t0 + 10, w), 3, "same time");
    assert.equal(await s.state.count("r", "b", t0 + 10, w), 1);
    // The event at t0 leaves the window; the two at t0+10 stay.
    assert.equal(await s.state.count("r", "a", t0 + w + 5, w), 3);
  });

  test("remove and list", async (s) => {
    await s.state.put("l", "b", "2", LONG);
    await s.state.put("l", "a", "1", LONG);
    await s.state.put("l", "gone", "x", 30);
    await s.state.put("other", "c", "3", LONG);
    await s.advance(80);
    const entries = await s.state.list("l", 10);
    assert.deepEqual(entries.map((e) => [e.key, e.value]), [
      ["a", "1"],
      ["b", "2"],
    ]);
    assert.ok(entries.every((e) => e.ttlMs > 0 && e.ttlMs <= LONG));
    assert.equal((await s.state.list("l", 1)).length, 1);
    assert.equal(await s.state.remove("l", "a"), true);
    assert.equal(await s.state.remove("l", "a"), false);
    assert.equal(await s.state.get("l", "a"), undefined);
  });

  test("two handles (hosts) never lose an update", async (s) => {
    const other = s.peer();
    try {
      const both = [s.state, other];
      const increments = await Promise.all(
        Array.from(
          { length: 40 },
          (_, i) => both[i % 2].increment("t", "n", LONG),
        ),
      );
      assert.deepEqual(
        increments.sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      const claims = await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) => both[i % 2].putIfAbsent("t", "first", String(i), LONG),
        ),
      );
      const winners = claims.filter((c) => c === undefined);
      assert.equal(winners.length, 1, "exactly one first attempt");
      const stored = await other.get("t", "first");
      assert.ok(claims.every((c) => c === undefined || c === stored));
      const counts = await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) => both[i % 2].count("r", "x", s.now(), LONG),
        ),
      );
      assert.equal(Math.max(...counts), 20);
    } finally {
      await other.close();
    }
  });

  test("is healthy and describes itself", async ({ state }) => {
    assert.equal(await state.healthy(), true);
    assert.match(state.description, /^(sqlite:|redis)/);
  });
}
