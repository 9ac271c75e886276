import assert from "node:assert/strict";
import {
  defaultListeners,
  EMBEDDED_LISTENERS,
  LISTENER_KINDS,
  readListeners,
  tomlTypeName,
} from "../../../src/config/listeners.ts";
import type { KeyPlace } from "../../../src/config/toml_layout.ts";
import { TomlDateValue } from "../../../src/config/toml.ts";

class Failure extends Error {
  constructor(readonly reason: string, readonly place: KeyPlace) {
    super(reason);
  }
}

const fail = (reason: string, place: KeyPlace): never => {
  throw new Failure(reason, place);
};

Deno.test("readListeners reads tables and defaults the kind to smtp", () => {
  assert.deepEqual(
    readListeners([{ address: "127.0.0.1", port: 2525 }], fail),
    [{ address: "127.0.0.1", port: 2525, kind: "smtp" }],
  );
  assert.deepEqual(LISTENER_KINDS, [
    "smtp",
    "submission",
    "smtps",
    "pop3",
    "pop3s",
  ]);
});

Deno.test("readListeners reports the key and table of a problem", () => {
  assert.throws(
    () =>
      readListeners([{ address: "::1", port: 25 }, {
        address: "::1",
        port: 99999,
      }], fail),
    (e: unknown) => {
      assert.ok(e instanceof Failure);
      assert.match(e.reason, /1 to 65535, not 99999/);
      assert.deepEqual(e.place, {
        key: "port",
        table: { name: "listener", index: 1 },
      });
      return true;
    },
  );
  assert.throws(
    () => readListeners([1], fail),
    /expected \[\[listener\]\] tables/,
  );
});

Deno.test("defaultListeners maps inet_interfaces to port 25 listeners", () => {
  assert.deepEqual(defaultListeners(["all"]), [{
    address: "0.0.0.0",
    port: 25,
    kind: "smtp",
  }]);
  assert.deepEqual(defaultListeners(["loopback-only", "127.0.0.1", "::1"]), [
    { address: "127.0.0.1", port: 25, kind: "smtp" },
    { address: "::1", port: 25, kind: "smtp" },
  ]);
  assert.deepEqual(EMBEDDED_LISTENERS, [{
    address: "127.0.0.1",
    port: 2525,
    kind: "smtp",
  }]);
});

Deno.test("tomlTypeName names TOML types for messages", () => {
  assert.equal(tomlTypeName("x"), "a string");
  assert.equal(tomlTypeName(1), "an integer");
  assert.equal(tomlTypeName(1.5), "a float");
  assert.equal(tomlTypeName(true), "a boolean");
  assert.equal(tomlTypeName([]), "an array");
  assert.equal(tomlTypeName({}), "a table");
  assert.equal(tomlTypeName(new TomlDateValue("1979-05-27")), "a date");
});
