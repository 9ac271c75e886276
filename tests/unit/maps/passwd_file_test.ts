import assert from "node:assert/strict";
import {
  parsePasswdFile,
  parsePasswdLine,
} from "../../../src/maps/passwd_file.ts";

Deno.test("passwd: a line gives its seven fields", () => {
  assert.deepEqual(
    parsePasswdLine("bob:x:1001:100:Bob,,,:/home/bob:/bin/sh"),
    {
      name: "bob",
      uid: 1001,
      gid: 100,
      gecos: "Bob,,,",
      home: "/home/bob",
      shell: "/bin/sh",
    },
  );
});

Deno.test("passwd: malformed lines are not entries", () => {
  for (
    const line of [
      "bob:x:1001:100:/home/bob:/bin/sh",
      "bob:x:uid:100::/home/bob:/bin/sh",
      "bob:x:1001:-1::/home/bob:/bin/sh",
      ":x:1:1::/:/bin/sh",
      "bob:x:1:1:::/bin/sh",
    ]
  ) {
    assert.equal(parsePasswdLine(line), undefined, line);
  }
});

Deno.test("passwd: a file is indexed by name; the first entry wins", () => {
  const text = "root:x:0:0:root:/root:/bin/bash\n" +
    "\n# comment\n+nis\n-other\n" +
    "broken:x:zz\n" +
    "bob:x:1001:100::/home/bob:/bin/sh\n" +
    "bob:x:2002:200::/elsewhere:/bin/sh\n";
  const { entries, warnings } = parsePasswdFile(text, "/etc/passwd");
  assert.deepEqual([...entries.keys()], ["root", "bob"]);
  assert.equal(entries.get("bob"), "bob:x:1001:100::/home/bob:/bin/sh");
  assert.deepEqual(warnings, [
    '"/etc/passwd", line 6: malformed passwd entry "broken" ignored',
  ]);
});
