import { join } from "node:path";
import { openSqliteState } from "../../../src/policy/sqlite_state.ts";
import { sharedStateConformance } from "./shared_state_conformance.ts";

sharedStateConformance("sqlite", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "state.sqlite");
  const clock = { t: 1_700_000_000_000 };
  const now = () => clock.t;
  const state = openSqliteState(path, now);
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
