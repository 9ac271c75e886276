import assert from "node:assert/strict";
import { openStaticMap } from "../../../src/maps/static_map.ts";

Deno.test("static: every key gets the value", async () => {
  const table = openStaticMap("static:OK", "OK");
  assert.equal(await table.lookup("anything"), "OK");
  assert.equal(await table.lookup(""), "OK");
});

Deno.test("static: a braced value may hold whitespace", async () => {
  const table = openStaticMap("static:{ 550 go away }", "{ 550 go away }");
  assert.equal(await table.lookup("x"), "550 go away");
});
