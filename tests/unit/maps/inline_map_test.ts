import assert from "node:assert/strict";
import {
  openInlineMap,
  parseInlineTable,
} from "../../../src/maps/inline_map.ts";

const SPEC = "inline:{…}";

function parse(body: string): Record<string, string> {
  return Object.fromEntries(parseInlineTable(body, SPEC));
}

Deno.test("inline: key=value pairs separated by commas or whitespace", () => {
  assert.deepEqual(parse("{ a=1, b=2 c=3,d=4 }"), {
    a: "1",
    b: "2",
    c: "3",
    d: "4",
  });
});

Deno.test("inline: braced elements hold spaces and commas", () => {
  assert.deepEqual(
    parse("{ { key = a value, with comma }, other=x }"),
    { key: "a value, with comma", other: "x" },
  );
});

Deno.test("inline: keys are case-insensitive; the last duplicate wins", async () => {
  const table = openInlineMap(
    "inline:{ User=1, user=2 }",
    "{ User=1, user=2 }",
  );
  assert.equal(await table.lookup("USER"), "2");
  assert.equal(await table.lookup("nobody"), undefined);
});

Deno.test("inline: an empty value is allowed", () => {
  assert.deepEqual(parse("{ a= }"), { a: "" });
});

Deno.test("inline: syntax errors name the spec", () => {
  const bad: [string, RegExp][] = [
    ["a=1", /expected "inline:\{ key=value, … \}"/],
    ["{ a }", /missing "=" in "a"/],
    ["{ =1 }", /missing key in "=1"/],
    ["{ {a=1 }", /missing "}"/],
    ["{ a=1} }", /unexpected "}"/],
    ["{ }", /empty table/],
  ];
  for (const [body, why] of bad) {
    assert.throws(
      () => parseInlineTable(body, SPEC),
      (e: Error) =>
        e.message.startsWith(`bad inline table "${SPEC}": `) &&
        why.test(e.message),
      body,
    );
  }
});
