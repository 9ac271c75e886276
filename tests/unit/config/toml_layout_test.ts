import assert from "node:assert/strict";
import {
  keyLine,
  lineOf,
  scanTomlLayout,
} from "../../../src/config/toml_layout.ts";

const DOCUMENT = [
  "# mailsrv.toml", // 1
  'myhostname = "mx.example.com" # the name', // 2
  "mydestination = [", // 3
  '  "a", # first', // 4
  "  'b]',", // 5
  "]", // 6
  'smtpd_banner = """', // 7
  "multi = not a key", // 8
  '[[listener]] is text"""', // 9
  "  message_size_limit=1 ", // 10
  "'quoted.key' = { a = 1, b = [2] }", // 11
  "dotted . key = 'x'", // 12
  "", // 13
  "[[listener]]", // 14
  'address = "127.0.0.1"', // 15
  "[ other . table ]", // 16
  "port = 1", // 17
  "[[listener]] # second", // 18
  "port = 2525", // 19
  "when = 1979-05-27 07:32:00", // 20
].join("\n");

Deno.test("scanTomlLayout finds keys, lines and value spans", () => {
  const layout = scanTomlLayout(DOCUMENT);
  const summary = layout.entries.map((e) => [
    e.table,
    e.tableIndex,
    e.key,
    e.line,
    DOCUMENT.slice(e.valueStart, e.valueEnd),
  ]);
  assert.deepEqual(summary, [
    ["", 0, "myhostname", 2, '"mx.example.com"'],
    ["", 0, "mydestination", 3, `[\n  "a", # first\n  'b]',\n]`],
    [
      "",
      0,
      "smtpd_banner",
      7,
      '"""\nmulti = not a key\n[[listener]] is text"""',
    ],
    ["", 0, "message_size_limit", 10, "1"],
    ["", 0, "quoted.key", 11, "{ a = 1, b = [2] }"],
    ["", 0, "dotted.key", 12, "'x'"],
    ["listener", 0, "address", 15, '"127.0.0.1"'],
    ["other.table", 0, "port", 17, "1"],
    ["listener", 1, "port", 19, "2525"],
    ["listener", 1, "when", 20, "1979-05-27 07:32:00"],
  ]);
  assert.deepEqual(
    layout.tables.map((t) => [t.name, t.index, t.array, t.line]),
    [
      ["listener", 0, true, 14],
      ["other.table", 0, false, 16],
      ["listener", 1, true, 18],
    ],
  );
  assert.equal(
    DOCUMENT.slice(layout.tables[0].offset).split("\n")[0],
    "[[listener]]",
  );
});

Deno.test("keyLine finds top-level keys, tables and listener keys", () => {
  const layout = scanTomlLayout(DOCUMENT);
  assert.equal(keyLine(layout, { key: "myhostname" }), 2);
  assert.equal(keyLine(layout, { key: "dotted" }), 12);
  assert.equal(keyLine(layout, { key: "other" }), 16);
  assert.equal(keyLine(layout, { key: "nosuch" }), undefined);
  const second = { name: "listener", index: 1 };
  assert.equal(keyLine(layout, { key: "port", table: second }), 19);
  // A key missing from its table: the table's header line.
  assert.equal(keyLine(layout, { key: "address", table: second }), 18);
  assert.equal(
    keyLine(layout, { key: "address", table: { name: "listener", index: 0 } }),
    15,
  );
});

Deno.test("keyLine falls back to an inline array of tables", () => {
  const text = 'a = 1\nlistener = [\n  { address = "::1", port = 25 },\n]\n';
  const layout = scanTomlLayout(text);
  assert.equal(
    keyLine(layout, { key: "port", table: { name: "listener", index: 0 } }),
    2,
  );
});

Deno.test("scanTomlLayout handles CRLF, escapes and empty text", () => {
  const text = 'a = "x\\"y" # c\r\nb = 2\r\n';
  const layout = scanTomlLayout(text);
  assert.deepEqual(
    layout.entries.map((
      e,
    ) => [e.key, e.line, text.slice(e.valueStart, e.valueEnd)]),
    [
      ["a", 1, '"x\\"y"'],
      ["b", 2, "2"],
    ],
  );
  assert.deepEqual(scanTomlLayout("").entries, []);
  assert.deepEqual(scanTomlLayout("# only a comment").entries, []);
});

Deno.test("scanTomlLayout ends multi-line strings after extra quotes", () => {
  const text = "a = \"\"\"say \"hi\"\"\"\"\nb = '''it's''''\nc = 3\n";
  const layout = scanTomlLayout(text);
  assert.deepEqual(
    layout.entries.map((e) => [e.key, text.slice(e.valueStart, e.valueEnd)]),
    [["a", '"""say "hi""""'], ["b", "'''it's''''"], ["c", "3"]],
  );
});

Deno.test("lineOf maps offsets to 1-based lines", () => {
  const starts = scanTomlLayout("a\nbb\n\nc").lineStarts;
  assert.deepEqual(starts, [0, 2, 5, 6]);
  assert.equal(lineOf(starts, 0), 1);
  assert.equal(lineOf(starts, 1), 1);
  assert.equal(lineOf(starts, 2), 2);
  assert.equal(lineOf(starts, 5), 3);
  assert.equal(lineOf(starts, 7), 4);
});
