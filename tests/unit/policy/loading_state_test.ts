import assert from "node:assert/strict";
import { join } from "node:path";
import { loadingSharedState } from "../../../src/policy/loading_state.ts";
import { openSqliteState } from "../../../src/policy/sqlite_state.ts";
import { sharedStateConformance } from "./shared_state_conformance.ts";

// A store still loading answers as the store it becomes.
sharedStateConformance("loading", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "state.sqlite");
  const clock = { t: 1_700_000_000_000 };
  const now = () => clock.t;
  const later = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const state = loadingSharedState(
    "sqlite:" + path,
    later(5).then(() => openSqliteState(path, now)),
  );
  return {
    state,
    peer: () => openSqliteState(path, now),
    now,
    advance(ms) {
      clock.t += ms;
      return Promise.resolve();
    },
    async close() {
      await state.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

Deno.test("a store that cannot be loaded fails each call with the reason, and closes", async () => {
  const state = loadingSharedState(
    "redis://127.0.0.1:6379/0",
    Promise.reject(new Error("Requires env access")),
  );
  assert.equal(state.description, "redis://127.0.0.1:6379/0");
  await assert.rejects(state.get("t", "k"), /Requires env access/);
  await assert.rejects(state.healthy(), /Requires env access/);
  await state.close();
});
