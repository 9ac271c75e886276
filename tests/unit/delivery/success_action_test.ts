import assert from "node:assert/strict";
import { successAction } from "../../../src/delivery/success_action.ts";

Deno.test("success action: one target delivered, several expanded, a lone forward relayed", () => {
  assert.equal(successAction(1, 0), "delivered");
  assert.equal(successAction(2, 0), "expanded");
  assert.equal(successAction(3, 2), "expanded");
  assert.equal(successAction(1, 1), "relayed");
});
