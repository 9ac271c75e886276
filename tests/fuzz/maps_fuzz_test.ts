/**
 * Property tests of the table and file parsers (src/maps/, src/auth/,
 * src/policy/policy_protocol.ts): aliases files and `:include:` lists,
 * postmap-style sources (hash:, texthash:, access), cidr: tables,
 * inline: tables, passwd and vm-pop3d passwd files, login names, and
 * policy service replies. Any text gives entries and warnings that name
 * a line of the text, never another exception; the documented error of
 * inline tables is the only one thrown; names that reach paths cannot
 * leave their directory; a policy reply's action holds no line break.
 */
import assert from "node:assert/strict";
import { join, normalize } from "node:path";
import fc from "fast-check";
import {
  parseAliasesFile,
  parseTargetList,
} from "../../src/maps/aliases_file.ts";
import { parsePostmapSource } from "../../src/maps/postmap_source.ts";
import { parseCidrTable } from "../../src/maps/cidr_map.ts";
import { parseInlineTable } from "../../src/maps/inline_map.ts";
import { parsePasswdFile } from "../../src/maps/passwd_file.ts";
import { parsePop3Passwd, pop3PasswdPath } from "../../src/auth/passwd_file.ts";
import { splitLoginName } from "../../src/auth/login_name.ts";
import {
  decodePolicyRequest,
  parsePolicyReply,
} from "../../src/policy/policy_protocol.ts";
import { fuzz, longRun, mailText } from "./fuzz.ts";

const FILE = "/etc/mailsrv/table";

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** Table text: lines of keys, values, quotes, continuations, comments. */
function tableText(pieces: readonly string[]): fc.Arbitrary<string> {
  const line = fc.oneof(
    fc.array(fc.constantFrom(...pieces), { maxLength: 8 }).map((p) =>
      p.join("")
    ),
    mailText(pieces.join(""), 40),
  );
  return fc.oneof(
    fc.tuple(fc.array(line, { maxLength: 12 }), fc.boolean()).map(([l, crlf]) =>
      l.join(crlf ? "\r\n" : "\n")
    ),
    longRun(pieces.join("")),
  );
}

/** Line numbers named in `FILE:N:` or `"FILE", line N` / `lines N-M`. */
function namedLines(message: string): number[] {
  const m = /:(\d+): |, lines? (\d+)(?:-(\d+))?:/.exec(message);
  return m === null
    ? []
    : [m[1], m[2], m[3]].filter((x) => x !== undefined).map(Number);
}

function checkLines(messages: readonly string[], text: string): void {
  const count = text.split("\n").length;
  for (const m of messages) {
    for (const n of namedLines(m)) {
      assert.ok(n >= 1 && n <= count, `${m} (${count} lines)`);
    }
  }
}

const ALIAS_PIECES = [
  "root",
  ":",
  " ",
  "\t",
  ",",
  '"',
  "\\",
  "#",
  "|/usr/bin/procmail",
  "/var/mail/x",
  ":include:/etc/list",
  "a@b",
  "\n ",
  "\n",
  "postmaster",
  "é",
];

Deno.test("fuzz: aliases files and :include: lists never throw", () => {
  fuzz(
    "aliases",
    fc.property(tableText(ALIAS_PIECES), (text) => {
      const parsed = parseAliasesFile(text, FILE);
      for (const p of parsed.problems) {
        assert.equal(p.file, FILE);
        assert.ok(p.line >= 1 && p.line <= text.split("\n").length);
      }
      for (const [name, values] of parsed.entries) {
        assert.equal(name, name.toLowerCase());
        assert.ok(name !== "" && values.length > 0);
        for (const v of values) assert.ok(v !== "" && v === v.trim());
      }
      const list = parseTargetList(text);
      for (const p of list.problems) {
        assert.ok(p.line >= 1 && p.line <= text.split("\n").length);
      }
    }),
    { seed: 0xa11a5, numRuns: 400 },
  );
});

const TABLE_PIECES = [
  "key",
  " ",
  "\t",
  "OK",
  "REJECT text",
  "550 5.7.1 no",
  "#",
  "\n ",
  "\n",
  "192.0.2.0/24",
  "::1/128",
  "[::1]/64",
  "10.0.0.1/33",
  "/",
  "%",
  "{",
  "}",
  "=",
  ",",
];

Deno.test("fuzz: postmap sources, cidr and inline tables never throw", () => {
  fuzz(
    "tables",
    fc.property(tableText(TABLE_PIECES), (text) => {
      const postmap = parsePostmapSource(text, FILE);
      checkLines(postmap.warnings, text);
      for (const [key, value] of postmap.entries) {
        assert.equal(key, key.toLowerCase());
        assert.ok(key !== "" && !/\s/.test(key) && value !== "");
      }
      const cidr = parseCidrTable(text, FILE);
      checkLines(cidr.warnings, text);
      for (const r of cidr.rules) assert.ok(r.value !== "");
      try {
        const inline = parseInlineTable(`{${text}}`, `inline:{${text}}`);
        for (const key of inline.keys()) assert.ok(key !== "");
      } catch (error) {
        assert.ok(
          error instanceof Error &&
            error.message.startsWith("bad inline table"),
          String(error),
        );
      }
    }),
    { seed: 0x7ab1e, numRuns: 400 },
  );
});

const PASSWD_PIECES = [
  "alice",
  ":",
  "x",
  "1000",
  "99999999999",
  "/home/a",
  "/bin/sh",
  "+",
  "-",
  "#",
  " ",
  "\r",
  "$2y$10$abc",
  "{SHA}x=",
];

Deno.test("fuzz: passwd files, vm-pop3d passwd files and login names", () => {
  fuzz(
    "passwd",
    fc.property(tableText(PASSWD_PIECES), (text) => {
      const passwd = parsePasswdFile(text, FILE);
      checkLines(passwd.warnings, text);
      for (const name of passwd.entries.keys()) assert.ok(name !== "");
      const pop3 = parsePop3Passwd(text, FILE);
      checkLines([...pop3.warnings], text);
      for (const [user, hash] of pop3.hashes) {
        assert.equal(user, user.toLowerCase());
        assert.equal(typeof hash, "string");
      }
    }),
    { seed: 0x9a55d, numRuns: 1000 },
  );
  fuzz(
    "login names",
    fc.property(mailText(";!:@%./\\ \0a-_", 40), (login) => {
      const split = splitLoginName(login);
      if (split === undefined) return;
      // The login picks a passwd file and a mailbox: neither may leave
      // its directory.
      const base = "/var/spool/virtual";
      const path = pop3PasswdPath(base, split.domain || "example.org");
      assert.ok(normalize(path).startsWith(`${base}/`), path);
      assert.equal(normalize(path), path);
      const mailbox = join(base, split.domain || "example.org", split.user);
      assert.equal(normalize(mailbox), mailbox);
      assert.ok(!split.user.includes("/") && !split.user.includes(".."));
      assert.ok(!CONTROL.test(split.user + split.domain));
    }),
    { seed: 0x9a55e, numRuns: 1000 },
  );
});

Deno.test("fuzz: policy service replies give an action on one line", () => {
  const reply = fc.oneof(
    fc.tuple(
      fc.array(
        fc.oneof(
          fc.constantFrom(
            "action=DUNNO",
            "action=REJECT no\rway",
            "action=450 4.7.1 later",
            "action=",
            "action= \t",
            "x=y",
            "=",
            "action=OK\0",
          ),
          mailText("=\r\n\0", 40),
        ),
        { maxLength: 6 },
      ),
      fc.boolean(),
    ).map(([l, crlf]) => l.join(crlf ? "\r\n" : "\n") + "\n\n"),
    mailText("=\r\n", 200),
    longRun("\r\n="),
  );
  fuzz(
    "policy reply",
    fc.property(reply, (text) => {
      const parsed = parsePolicyReply(text);
      if (parsed === undefined || parsed.action === null) return;
      assert.ok(parsed.action !== "" && parsed.action === parsed.action.trim());
      assert.ok(
        !CONTROL.test(parsed.action),
        JSON.stringify(parsed.action),
      );
      decodePolicyRequest(text);
    }),
    { seed: 0x9011c, numRuns: 1000 },
  );
});

Deno.test("regression: a policy reply's action with a bare CR or NUL is cleaned", () => {
  assert.equal(
    parsePolicyReply("action=REJECT no\rway\n\n")?.action,
    "REJECT no way",
  );
  assert.equal(parsePolicyReply("action=OK\0\n\n")?.action, "OK");
});
