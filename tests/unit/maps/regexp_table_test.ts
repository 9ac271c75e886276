import assert from "node:assert/strict";
import {
  parseRegexpTable,
  regexpLookup,
} from "../../../src/maps/regexp_table.ts";
import { openMap } from "../../../src/maps/mod.ts";
import { compilePattern, foldCase } from "../../../src/maps/regexp_pattern.ts";

/** Parses `text` as /etc/t and returns a lookup and the warnings. */
function table(text: string, dialect: "regexp" | "pcre" = "regexp") {
  const parsed = parseRegexpTable(text, "/etc/t", dialect);
  return {
    find: (key: string) => regexpLookup(parsed.entries, key),
    warnings: parsed.warnings,
  };
}

Deno.test("first match wins; case-insensitive by default; i toggles it", () => {
  const t = table(`# comment
/^Subject: viagra/     REJECT one
/^subject: .*/         WARN two

/^X-Case: Exact/i      OK exact
/^X-Case:/             DUNNO other
`);
  assert.deepEqual(t.warnings, []);
  assert.equal(t.find("SUBJECT: Viagra now"), "REJECT one");
  assert.equal(t.find("Subject: hello"), "WARN two");
  assert.equal(t.find("X-Case: Exact"), "OK exact");
  assert.equal(t.find("X-Case: exact"), "DUNNO other");
  assert.equal(t.find("From: a"), undefined);
});

Deno.test("$1…$9, ${n}, $(n) and $$ are filled in; a group that took no part is empty", () => {
  const t = table(
    "/^Subject: (\\w+) (\\w+)(!)?/  PREPEND X-Words: $2 ${1} $(3) $$5\n",
  );
  assert.equal(
    t.find("Subject: hello world"),
    "PREPEND X-Words: world hello  $5",
  );
  assert.equal(t.find("Subject: a b!"), "PREPEND X-Words: b a ! $5");
});

Deno.test("! negates a pattern; if/endif blocks nest, if ! too", () => {
  const t = table(`if /^From:/
if !/@example\\.com/
/bad/       REJECT outsider bad
endif
/bad/       WARN insider bad
endif
!/^(From|To):/  DUNNO not an address header
/./             OK address header
`);
  assert.deepEqual(t.warnings, []);
  assert.equal(t.find("From: x@other.org bad"), "REJECT outsider bad");
  assert.equal(t.find("From: x@example.com bad"), "WARN insider bad");
  assert.equal(t.find("Subject: bad"), "DUNNO not an address header");
  assert.equal(t.find("To: bad"), "OK address header");
});

Deno.test("continuation lines, other delimiters, escaped delimiters", () => {
  const t = table(`|^Subject: a/b\\|c|   REJECT
   pipes and slashes
%^X-Hash: (.*)%   WARN $1
/^Path: \\/usr\\//  OK path
`);
  assert.deepEqual(t.warnings, []);
  assert.equal(t.find("Subject: a/b|c"), "REJECT pipes and slashes");
  assert.equal(t.find("X-Hash: yes"), "WARN yes");
  assert.equal(t.find("Path: /usr/bin"), "OK path");
});

Deno.test("a folded header is matched whole: . crosses the newline unless m is given", () => {
  const t = table(`/^Subject: one.two/   REJECT joined
/^two$/m                 WARN line two
`);
  assert.equal(t.find("Subject: one\ntwo"), "REJECT joined");
  assert.equal(t.find("X: one\ntwo"), "WARN line two");
  assert.equal(t.find("X: one two"), undefined);
});

Deno.test("POSIX bracket classes and GNU word boundaries are translated", () => {
  const t = table(`/^Subject:[[:space:]]+[[:digit:]]+$/   REJECT digits
/\\<cash\\>/                              WARN word
`);
  assert.deepEqual(t.warnings, []);
  assert.equal(t.find("Subject: \t42"), "REJECT digits");
  assert.equal(t.find("Body: free cash now"), "WARN word");
  assert.equal(t.find("Body: cashier"), undefined);
});

Deno.test("bad lines are skipped with a warning naming the file and line", () => {
  const t = table(`/unclosed    REJECT a
/(/          REJECT b
/ok/
/x(y)/       REJECT $2
!/x(y)/      REJECT $1
endif
bare words
/good/       OK good
/z/q         OK unknown flag
`);
  assert.equal(t.find("good"), "OK good");
  assert.equal(t.find("ok"), undefined);
  const expected = [
    /"\/etc\/t", line 1: missing closing delimiter "\/"; line skipped/,
    /"\/etc\/t", line 2: .*; line skipped/,
    /"\/etc\/t", line 3: no value after the pattern; line skipped/,
    /line 4: "\$2" refers to a group the pattern does not have/,
    /line 5: "\$1" in the value of a negated pattern/,
    /line 6: ignoring "endif" without a matching "if"/,
    /line 7: expected a pattern between delimiters/,
    /line 9: unknown flag "q"/,
  ];
  assert.equal(t.warnings.length, expected.length, t.warnings.join("\n"));
  expected.forEach((re, i) => assert.match(t.warnings[i], re));
});

Deno.test("a pattern that may take exponential time is refused at load", () => {
  const t = table(`/^Subject: (a+)+$/      REJECT nested
/^X: (\\s*\\w+)*$/          REJECT nested too
/^Subject: a+$/          OK linear
`);
  assert.equal(t.warnings.length, 2);
  assert.match(t.warnings[0], /line 1: pattern may take exponential time/);
  assert.match(t.warnings[1], /line 2: pattern may take exponential time/);
  assert.equal(t.find("Subject: aaaa"), "OK linear");
});

Deno.test("a bad if line skips its whole block instead of applying it to everything", () => {
  const t = table(`if /(x+)+/
/./   REJECT everything
endif
/./   OK fine
`);
  assert.equal(t.warnings.length, 1);
  assert.match(
    t.warnings[0],
    /line 1: .*exponential.*the "if" block is skipped/,
  );
  assert.equal(t.find("anything"), "OK fine");
});

Deno.test("an if without endif is closed at the end with a warning", () => {
  const t = table(`if /^Subject:/
/spam/  REJECT
`);
  assert.equal(t.find("Subject: spam"), "REJECT");
  assert.equal(t.find("From: spam"), undefined);
  assert.match(t.warnings[0], /line 1: missing "endif"/);
});

Deno.test("pcre: flags m, s and x; PCRE-only syntax is refused", () => {
  const t = table(
    `/^Content-(Disposition|Type).*name\\s*=\\s*"?(.*(\\.|=2E)(
  ade|adp|bat|exe|vb[esx]?))(\\?=)?"?\\s*(;|$)/x
    REJECT Attachment name "$2" may not end with ".$4"
/^a.b$/s        OK dotall
/^b$/m          OK multiline
/(?>atomic)/    OK never
/a++/           OK never
`,
    "pcre",
  );
  assert.equal(t.warnings.length, 2, t.warnings.join("\n"));
  assert.match(t.warnings[0], /line 6: atomic groups/);
  assert.match(t.warnings[1], /line 7: possessive quantifiers/);
  assert.equal(
    t.find('Content-Type: application/x; name="evil.exe"'),
    'REJECT Attachment name "evil.exe" may not end with ".exe"',
  );
  assert.equal(t.find("a\nb"), "OK dotall");
  assert.equal(t.find("x\nb"), "OK multiline");
});

Deno.test("openMap opens regexp: and pcre: files and re-reads them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/header_checks`;
    await Deno.writeTextFile(file, "/^Subject: (.*)/ WARN $1\n/(a+)+/ OK\n");
    const warnings: string[] = [];
    let now = 0;
    const options = {
      log: { warning: (m: string) => warnings.push(m) },
      clock: () => now,
    };
    const regexp = openMap(`regexp:${file}`, options);
    const pcre = openMap(`pcre:${file}`, options);
    assert.equal(await regexp.lookup("Subject: hi"), "WARN hi");
    assert.equal(await pcre.lookup("Subject: hi"), "WARN hi");
    assert.equal(await regexp.lookup("From: x"), undefined);
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[0],
      new RegExp(`"${file}", line 2: pattern may take`),
    );
    await Deno.writeTextFile(file, "/^From:/ HOLD\n\n\n");
    now += 5000;
    assert.equal(await regexp.lookup("From: x"), "HOLD");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("case-insensitivity is folded into the pattern, so V8's linear-time fallback can run it", () => {
  assert.equal(
    foldCase(String.raw`^Subject: [a-c_]\w\x41(?:ab)(?<n>q)\k<n>[^z]`),
    String
      .raw`^[Ss][uU][bB][jJ][eE][cC][tT]: [a-cA-C_]\w\x41(?:[aA][bB])(?<n>[qQ])\k<n>[^zZ]`,
  );
  const ascii = compilePattern("^subject: .*a.*b$", "", "regexp");
  assert.ok(ascii.ok && !ascii.regexp.flags.includes("i"));
  assert.ok(ascii.ok && ascii.regexp.test("SUBJECT: xAyB"));
  const accented = compilePattern("^subject: é", "", "regexp");
  assert.ok(accented.ok && accented.regexp.flags.includes("i"));
  assert.ok(accented.ok && accented.regexp.test("Subject: É"));
});
