import assert from "node:assert/strict";
import {
  formatAliasProblem,
  parseAliasesFile,
  parseTargetList,
  splitAliasValues,
} from "../../../src/maps/aliases_file.ts";

const FILE = "/etc/aliases";

function parse(text: string) {
  return parseAliasesFile(text, FILE);
}

Deno.test("aliases file: names and comma-separated values", () => {
  const { entries, problems } = parse(
    "postmaster: root\nStaff: alice, bob ,carol@example.com\n",
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(entries.get("postmaster"), ["root"]);
  assert.deepEqual(entries.get("staff"), [
    "alice",
    "bob",
    "carol@example.com",
  ]);
  assert.equal(entries.has("Staff"), false, "names are lower-cased");
});

Deno.test("aliases file: comments, blank lines and CRLF are ignored", () => {
  const { entries, problems } = parse(
    "# system aliases\r\n\r\n  # indented comment\nroot: admin\r\n",
  );
  assert.deepEqual(problems, []);
  assert.deepEqual([...entries], [["root", ["admin"]]]);
});

Deno.test("aliases file: lines starting with whitespace continue the entry", () => {
  const { entries, problems } = parse(
    "list: alice,\n  bob,\n# a comment inside\n\tcarol\nnext: dave\n",
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(entries.get("list"), ["alice", "bob", "carol"]);
  assert.deepEqual(entries.get("next"), ["dave"]);
});

Deno.test("aliases file: quoted names and quoted values keep commas and spaces", () => {
  const { entries, problems } = parse(
    '"a b": "|/usr/bin/filter a, b", "/var/mail/with space", x\n' +
      '"c\\"d" : y\n',
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(entries.get("a b"), [
    '"|/usr/bin/filter a, b"',
    '"/var/mail/with space"',
    "x",
  ]);
  assert.deepEqual(entries.get('c"d'), ["y"]);
});

Deno.test("aliases file: values keep commands, includes and files as written", () => {
  const { entries } = parse(
    "a: |/bin/cat, :include:/etc/list, /tmp/file, /home/a/Maildir/, \\a\n",
  );
  assert.deepEqual(entries.get("a"), [
    "|/bin/cat",
    ":include:/etc/list",
    "/tmp/file",
    "/home/a/Maildir/",
    "\\a",
  ]);
});

Deno.test("aliases file: a duplicate name keeps the last entry, with a warning", () => {
  const { entries, problems } = parse("a: one\nb: x\nA: two\n");
  assert.deepEqual(entries.get("a"), ["two"]);
  assert.deepEqual(problems, [{
    file: FILE,
    line: 3,
    message: 'duplicate alias "a": the last entry wins',
  }]);
});

Deno.test("aliases file: bad entries are skipped with file and line", () => {
  const { entries, problems } = parse(
    [
      "good: alice",
      "no colon here",
      ": nobody",
      "empty:",
      'quoted: "|cmd, unterminated',
      '"open name: x',
      '"name" x: y',
      "two words: z",
      "after: bob",
      "",
    ].join("\n"),
  );
  assert.deepEqual([...entries.keys()], ["good", "after"]);
  assert.deepEqual(problems, [
    { file: FILE, line: 2, message: 'missing ":" in "no colon here"' },
    { file: FILE, line: 3, message: "empty alias name" },
    { file: FILE, line: 4, message: 'no value for alias "empty"' },
    {
      file: FILE,
      line: 5,
      message: 'unterminated quoted string in alias "quoted"',
    },
    { file: FILE, line: 6, message: "unterminated quoted name" },
    { file: FILE, line: 7, message: 'missing ":" after name "name"' },
    {
      file: FILE,
      line: 8,
      message: 'whitespace in name "two words" (quote it)',
    },
  ]);
});

Deno.test("aliases file: the line of a continued entry is its first line", () => {
  const { problems } = parse("# c\nbad\n  continued\n");
  assert.deepEqual(problems.map((p) => p.line), [2]);
});

Deno.test("aliases file: a continuation line with nothing to continue is reported", () => {
  const { entries, problems } = parse("  orphan\nok: x\n");
  assert.deepEqual([...entries.keys()], ["ok"]);
  assert.deepEqual(problems, [{
    file: FILE,
    line: 1,
    message: "continuation line without a preceding entry",
  }]);
});

Deno.test("aliases file: problems print as FILE:LINE: message", () => {
  assert.equal(
    formatAliasProblem({ file: FILE, line: 7, message: "empty alias name" }),
    "/etc/aliases:7: empty alias name",
  );
});

Deno.test("alias values: commas inside quotes and escaped quotes do not split", () => {
  assert.deepEqual(splitAliasValues(' "a,\\" b", c,, '), {
    values: ['"a,\\" b"', "c"],
  });
  assert.deepEqual(splitAliasValues('"open'), {
    error: "unterminated quoted string",
  });
});

Deno.test("target list: one or more targets per line, comments skipped", () => {
  const { targets, problems } = parseTargetList(
    '# members\nalice\nbob, carol@example.com\r\n\n"|cmd a, b"\n\'ok\n"bad\n',
  );
  assert.deepEqual(targets, [
    "alice",
    "bob",
    "carol@example.com",
    '"|cmd a, b"',
    "'ok",
  ]);
  assert.deepEqual(problems, [{
    line: 7,
    message: "unterminated quoted string",
  }]);
});
