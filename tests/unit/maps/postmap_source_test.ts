import assert from "node:assert/strict";
import { parsePostmapSource } from "../../../src/maps/postmap_source.ts";

function parse(text: string) {
  const { entries, warnings } = parsePostmapSource(text, "/etc/access");
  return { entries: Object.fromEntries(entries), warnings };
}

Deno.test("postmap: key whitespace value, comments and blank lines", () => {
  const { entries, warnings } = parse(
    "# a comment\n" +
      "\n" +
      "alice@example.org   OK\n" +
      "   \n" +
      "  # an indented comment\n" +
      "example.com\tREJECT no thanks  \n" +
      "last\tno newline",
  );
  assert.deepEqual(entries, {
    "alice@example.org": "OK",
    "example.com": "REJECT no thanks",
    "last": "no newline",
  });
  assert.deepEqual(warnings, []);
});

Deno.test("postmap: keys fold to lower case, values keep their case", () => {
  const { entries } = parse("Alice@Example.ORG  Hello There\n");
  assert.deepEqual(entries, { "alice@example.org": "Hello There" });
});

Deno.test("postmap: whitespace-led lines continue the logical line", () => {
  const { entries } = parse(
    "list  one,\n" +
      "      two,\n" +
      "# a comment inside does not end it\n" +
      "\n" +
      "\tthree\n" +
      "next value\n",
  );
  assert.deepEqual(entries, {
    list: "one,      two,\tthree",
    next: "value",
  });
});

Deno.test("postmap: CRLF line ends are tolerated", () => {
  const { entries, warnings } = parse("a 1\r\nb 2\r\n\r\n");
  assert.deepEqual(entries, { a: "1", b: "2" });
  assert.deepEqual(warnings, []);
});

Deno.test("postmap: a key without a value is skipped with file, line and key", () => {
  const { entries, warnings } = parse("good 1\n\nLonely\nalso 2\n");
  assert.deepEqual(entries, { good: "1", also: "2" });
  assert.deepEqual(warnings, [
    '"/etc/access", line 3: expected format "key whitespace value": no value for key "lonely"',
  ]);
});

Deno.test("postmap: continuation without a preceding line is skipped", () => {
  const { entries, warnings } = parse("  orphan text\nkey value\n");
  assert.deepEqual(entries, { key: "value" });
  assert.deepEqual(warnings, [
    '"/etc/access", line 1: logical line must not start with whitespace: "orphan text"',
  ]);
});

Deno.test("postmap: a duplicate key keeps the first value and warns", () => {
  const { entries, warnings } = parse("k first\nother x\nK second\n  more\n");
  assert.deepEqual(entries, { k: "first", other: "x" });
  assert.deepEqual(warnings, [
    '"/etc/access", lines 3-4: duplicate entry "k" ignored',
  ]);
});
