import assert from "node:assert/strict";
import { parseMainCf } from "../../../src/postfix_import/main_cf.ts";
import { parseMasterCf } from "../../../src/postfix_import/master_cf.ts";
import { rewriteValue } from "../../../src/postfix_import/values.ts";

Deno.test("parseMainCf joins continuation lines, skips comments, keeps the last setting", () => {
  const parsed = parseMainCf(
    "# comment\nmyhostname = a.example\nmydestination = $myhostname,\n" +
      "    localhost\n  # indented comment\n\nmyhostname=b.example\nnot a setting\n",
  );
  assert.deepEqual([...parsed.settings], [
    ["mydestination", { value: "$myhostname, localhost", line: 3 }],
    ["myhostname", { value: "b.example", line: 7 }],
  ]);
  assert.deepEqual(parsed.problems, [
    { line: 8, message: 'not "name = value": "not a setting"' },
  ]);
});

Deno.test("parseMasterCf reads services, -o settings in both forms, and other arguments", () => {
  const parsed = parseMasterCf(
    "# master.cf\nsubmission inet n - y - - smtpd\n  -o syslog_name=postfix/submission\n" +
      "  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n" +
      "  -o content_filter=\nmaildrop unix - n n - - pipe\n  flags=DRhu user=vmail argv=/usr/bin/maildrop -d ${recipient}\n" +
      "broken inet n\n",
  );
  assert.equal(parsed.services.length, 2);
  const [submission, maildrop] = parsed.services;
  assert.equal(submission.name, "submission");
  assert.equal(submission.line, 2);
  assert.deepEqual(submission.overrides, [
    ["syslog_name", "postfix/submission"],
    ["smtpd_client_restrictions", "permit_sasl_authenticated, reject"],
    ["content_filter", ""],
  ]);
  assert.equal(maildrop.command, "pipe");
  assert.deepEqual(maildrop.args, [
    "flags=DRhu",
    "user=vmail",
    "argv=/usr/bin/maildrop",
    "-d",
    "${recipient}",
  ]);
  assert.deepEqual(parsed.problems, [
    { line: 8, message: "expected 8 fields or more, found 3" },
  ]);
});

Deno.test("rewriteValue reads compiled tables from their sources and drops what mailsrv cannot read", () => {
  const context = {
    mainCf: new Map([["virtual_dir", { value: "/etc/postfix/v" }]]),
    directory: "/etc/postfix",
    fileExists: (path: string) => path !== "/etc/postfix/gone",
  };
  const maps = rewriteValue(
    "virtual_alias_maps",
    "btree:$virtual_dir/aliases, proxy:hash:/etc/postfix/virtual.db regexp:/etc/postfix/virtual.re",
    context,
  );
  assert.equal(
    maps.value,
    "hash:/etc/postfix/v/aliases, hash:/etc/postfix/virtual",
  );
  assert.deepEqual(maps.notes.map((n) => n.kind), [
    "note",
    "note",
    "note",
    "dropped",
  ]);
  assert.match(
    maps.notes[3].text,
    /^regexp:\/etc\/postfix\/virtual\.re left out: regexp: tables are not supported/,
  );
  const restrictions = rewriteValue(
    "smtpd_client_restrictions",
    "permit_mynetworks check_client_access pcre:/x reject_rbl_client zen.example, check_sender_access hash:/etc/postfix/gone, my_class, check_policy_service unix:private/policy",
    context,
  );
  assert.equal(
    restrictions.value,
    "permit_mynetworks, reject_rbl_client zen.example, check_sender_access hash:/etc/postfix/gone",
  );
  assert.deepEqual(
    restrictions.notes.map((n) => `${n.kind}: ${n.text.slice(0, 40)}`),
    [
      "dropped: check_client_access pcre:/x left out: pc",
      "note: only /etc/postfix/gone.db exists: mailsr",
      "dropped: my_class left out: not a restriction mai",
      "dropped: check_policy_service unix:private/policy",
    ],
  );
});
