import assert from "node:assert/strict";
import {
  formatTomlValue,
  parseToml,
  TomlDateValue,
  TomlSyntaxError,
} from "../../../src/config/toml.ts";

Deno.test("parseToml returns plain values and array tables", () => {
  const table = parseToml(
    'a = "x"\nb = 5\nc = [ "p", "q" ]\nd = true\n[[l]]\nport = 1\n[[l]]\nport = 2\n',
  );
  assert.deepEqual(table, {
    a: "x",
    b: 5,
    c: ["p", "q"],
    d: true,
    l: [{ port: 1 }, { port: 2 }],
  });
});

Deno.test("parseToml keeps dates as TomlDateValue", () => {
  const table = parseToml("when = 1979-05-27\n");
  assert.ok(table.when instanceof TomlDateValue);
  assert.equal(table.when.text, "1979-05-27");
});

Deno.test("parseToml reports syntax errors with line and column", () => {
  assert.throws(
    () => parseToml('a = 1\n\nb = \nc = "x"\n'),
    (e: unknown) => {
      assert.ok(e instanceof TomlSyntaxError);
      assert.equal(e.line, 3);
      assert.ok(e.column >= 1);
      assert.doesNotMatch(e.message, /Invalid TOML document|\n/);
      return true;
    },
  );
  assert.throws(() => parseToml("a = 1\na = 2\n"), (e: unknown) => {
    assert.ok(e instanceof TomlSyntaxError);
    assert.equal(e.line, 2);
    return true;
  });
});

Deno.test("formatTomlValue writes values as TOML", () => {
  assert.equal(formatTomlValue("mx.example.com"), '"mx.example.com"');
  assert.equal(formatTomlValue('say "hi"\\\n'), '"say \\"hi\\"\\\\\\n"');
  assert.equal(formatTomlValue(10240000), "10240000");
  assert.equal(formatTomlValue(true), "true");
  assert.deepEqual(parseToml(`v = ${formatTomlValue(["a", "b c"])}`), {
    v: ["a", "b c"],
  });
  const tricky = "tab\there 'single' \"double\" \u00e9 #not a comment";
  assert.deepEqual(parseToml(`v = ${formatTomlValue(tricky)}`), { v: tricky });
});
