import assert from "node:assert/strict";
import {
  type ContentCheckTables,
  inspectContent,
} from "../../../../src/smtp/content_checks/content_inspector.ts";
import {
  parseRegexpTable,
  regexpLookup,
} from "../../../../src/maps/regexp_table.ts";
import {
  type LookupTable,
  LookupTableError,
} from "../../../../src/maps/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function regexpTable(text: string): LookupTable {
  const parsed = parseRegexpTable(text, "/t");
  assert.deepEqual(parsed.warnings, []);
  return {
    spec: "regexp:/t",
    lookup: (key) => Promise.resolve(regexpLookup(parsed.entries, key)),
  };
}

interface Run {
  tables?: Partial<ContentCheckTables>;
  bodySizeLimit?: number;
  headerSizeLimit?: number;
  chunk?: number;
}

/** Inspects `message` in chunks; returns the output, verdict and log. */
async function inspect(message: string, run: Run) {
  const logs: string[] = [];
  const warnings: string[] = [];
  const out: Uint8Array[] = [];
  const inspector = inspectContent({
    tables: {
      header_checks: [],
      mime_header_checks: [],
      nested_header_checks: [],
      body_checks: [],
      ...run.tables,
    },
    headerSizeLimit: run.headerSizeLimit ?? 102400,
    bodySizeLimit: run.bodySizeLimit ?? 51200,
    context: {
      queueId: "4F9D6B2C1A",
      client: "mx.example.org[192.0.2.1]",
      sender: "alice@example.org",
      recipient: "bob@example.com",
      protocol: "ESMTP",
      helo: "mx.example.org",
    },
    log: (l) => logs.push(l),
    warn: (l) => warnings.push(l),
    output: (b) => {
      out.push(b.slice());
      return Promise.resolve();
    },
  });
  const bytes = encoder.encode(message);
  const step = run.chunk ?? 5;
  // The caller's buffer is reused: the inspector must copy what it keeps.
  const scratch = new Uint8Array(step);
  for (let i = 0; i < bytes.length; i += step) {
    const piece = bytes.subarray(i, i + step);
    scratch.set(piece);
    await inspector.write(scratch.subarray(0, piece.length));
    scratch.fill(0x21);
  }
  const verdict = await inspector.finish();
  const text = decoder.decode(
    out.reduce((a, b) => {
      const c = new Uint8Array(a.length + b.length);
      c.set(a);
      c.set(b, a.length);
      return c;
    }, new Uint8Array(0)),
  );
  return { text, verdict, logs, warnings };
}

const MESSAGE = `Received: from mx.example.org
Subject: cheap
 pills
X-Spam-Flag: YES
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="BB"

preamble
--BB
Content-Type: text/plain
X-Part: one

Hello there.
buy now
--BB
Content-Type: message/rfc822
Content-Disposition: attachment

Subject: forwarded
From: carol@example.net

inner body
--BB
Content-Type: application/octet-stream; name="run.exe"
Content-Disposition: attachment; filename="run.exe"

TVqQAAMAAAAEAAAA
--BB--
`;

Deno.test("unchanged content passes through byte for byte", async () => {
  const table = regexpTable("/^nothing matches this$/ REJECT\n");
  const r = await inspect(MESSAGE, {
    tables: {
      header_checks: [table],
      mime_header_checks: [table],
      nested_header_checks: [table],
      body_checks: [table],
    },
    chunk: 3,
  });
  assert.equal(r.text, MESSAGE);
  assert.deepEqual(r.verdict, {
    refusal: null,
    hold: false,
    discard: false,
    bcc: [],
  });
});

Deno.test("a folded header is matched whole, with its newline; WARN logs Postfix's line", async () => {
  const r = await inspect(MESSAGE, {
    tables: {
      header_checks: [
        regexpTable("/^Subject: cheap\\n\\s+pills/ WARN pills\n"),
      ],
    },
  });
  assert.deepEqual(r.logs, [
    "4F9D6B2C1A: warning: header Subject: cheap pills from mx.example.org[192.0.2.1]; " +
    "from=<alice@example.org> to=<bob@example.com> proto=ESMTP helo=<mx.example.org>: pills",
  ]);
  assert.equal(r.text, MESSAGE);
});

Deno.test("each header goes to its own check: primary, MIME (Content-*, MIME-Version, part headers), nested", async () => {
  const seen: Record<string, string[]> = {};
  const recorder = (name: string): LookupTable => ({
    spec: name,
    lookup: (key) => {
      (seen[name] ??= []).push(key.split(":")[0]);
      return Promise.resolve(undefined);
    },
  });
  await inspect(MESSAGE, {
    tables: {
      header_checks: [recorder("header")],
      mime_header_checks: [recorder("mime")],
      nested_header_checks: [recorder("nested")],
    },
  });
  assert.deepEqual(seen.header, ["Received", "Subject", "X-Spam-Flag"]);
  assert.deepEqual(seen.mime, [
    "MIME-Version",
    "Content-Type",
    "Content-Type",
    "X-Part",
    "Content-Type",
    "Content-Disposition",
    "Content-Type",
    "Content-Disposition",
  ]);
  assert.deepEqual(seen.nested, ["Subject", "From"]);
});

Deno.test("IGNORE drops, REPLACE replaces, PREPEND adds, in headers and body lines", async () => {
  const r = await inspect(MESSAGE, {
    tables: {
      header_checks: [regexpTable(`/^X-Spam-Flag:/ IGNORE
/^Subject: (.*)/ REPLACE Subject: [SPAM] $1
/^Received:/ PREPEND X-Checked: yes
`)],
      mime_header_checks: [regexpTable("/^X-Part:/ IGNORE\n")],
      body_checks: [
        regexpTable(
          "/^buy now$/ REPLACE (removed)\n/^inner body$/ PREPEND before inner\n",
        ),
      ],
    },
  });
  const expected = MESSAGE
    .replace("X-Spam-Flag: YES\n", "")
    .replace("Subject: cheap\n pills\n", "Subject: [SPAM] cheap\n pills\n")
    .replace("Received:", "X-Checked: yes\nReceived:")
    .replace("X-Part: one\n", "")
    .replace("buy now\n", "(removed)\n")
    .replace("inner body\n", "before inner\ninner body\n");
  assert.equal(r.text, expected);
  assert.equal(r.logs.length, 4); // IGNORE is not logged, as in Postfix
  assert.match(r.logs[0], /^4F9D6B2C1A: prepend: header Received: /);
  assert.match(r.logs[2], /^4F9D6B2C1A: replace: body buy now from /);
});

Deno.test("mime_header_checks sees an attachment's Content-Type with its file name", async () => {
  const r = await inspect(MESSAGE, {
    tables: {
      mime_header_checks: [
        regexpTable(
          '/^Content-Type:.*name="?[^"]*\\.(exe|bat)"?/ REJECT .$1 files are not accepted\n',
        ),
      ],
    },
  });
  assert.deepEqual(r.verdict.refusal, {
    code: 550,
    dsn: "5.7.1",
    text: ".exe files are not accepted",
  });
  assert.match(
    r.logs[0],
    /: reject: header Content-Type: application\/octet-stream; name="run\.exe" from .*: 5\.7\.1 \.exe files are not accepted$/,
  );
});

Deno.test("after REJECT nothing more is looked up; HOLD, BCC, FILTER, REDIRECT are reported", async () => {
  const rejected = await inspect(MESSAGE, {
    tables: {
      header_checks: [regexpTable("/^Received:/ REJECT\n/^Subject:/ HOLD\n")],
    },
  });
  assert.equal(rejected.logs.length, 1);
  assert.equal(rejected.verdict.hold, false);
  const r = await inspect(MESSAGE, {
    tables: {
      header_checks: [regexpTable(`/^Received:/ HOLD quarantine
/^Subject:/ BCC archive@example.com
/^X-Spam-Flag:/ FILTER scan:[127.0.0.1]:10025
`)],
      body_checks: [
        regexpTable("/^buy now/ REDIRECT spam@example.com\n/^inner/ DISCARD\n"),
      ],
    },
  });
  assert.deepEqual(r.verdict, {
    refusal: null,
    hold: true,
    discard: false,
    redirect: "spam@example.com",
    filter: "scan:[127.0.0.1]:10025",
    bcc: ["archive@example.com"],
  });
  assert.deepEqual(r.logs.map((l) => l.split(": ")[1]), [
    "hold",
    "bcc",
    "filter",
    "redirect",
  ]);
});

Deno.test("body_checks_size_limit: only the first bytes of each MIME part are checked", async () => {
  const body = regexpTable(
    "/^buy now$/ WARN found\n/^inner body$/ WARN inner\n",
  );
  const small = await inspect(MESSAGE, {
    tables: { body_checks: [body] },
    bodySizeLimit: 5,
  });
  // "Hello there." uses up the text part's allowance; the nested part has its own.
  assert.deepEqual(small.logs.map((l) => l.split(": ").at(-1)), ["inner"]);
  const all = await inspect(MESSAGE, { tables: { body_checks: [body] } });
  assert.deepEqual(all.logs.map((l) => l.split(": ").at(-1)), [
    "found",
    "inner",
  ]);
});

Deno.test("header_size_limit: continuation lines past the limit are discarded", async () => {
  const folded = "Subject: a\n" + " bbbbbbbbbb\n".repeat(10) + "\nbody\n";
  const r = await inspect(folded, {
    tables: { header_checks: [regexpTable("/^Subject:(.*)$/ WARN $1\n")] },
    headerSizeLimit: 40,
  });
  assert.equal(r.text, "Subject: a\n" + " bbbbbbbbbb\n".repeat(2) + "\nbody\n");
});

Deno.test("a table that cannot be read refuses the message temporarily", async () => {
  const broken: LookupTable = {
    spec: "regexp:/gone",
    lookup: () =>
      Promise.reject(new LookupTableError("regexp:/gone", "No such file")),
  };
  const r = await inspect(MESSAGE, { tables: { header_checks: [broken] } });
  assert.deepEqual(r.verdict.refusal, {
    code: 451,
    dsn: "4.3.0",
    text: "Error: queue file write error",
  });
  assert.deepEqual(r.warnings, [
    "4F9D6B2C1A: header_checks map lookup problem -- message not accepted, try again later",
  ]);
});

Deno.test("a misconfigured action is a warning and leaves the line as it is", async () => {
  const r = await inspect(MESSAGE, {
    tables: { header_checks: [regexpTable("/^Subject:/ PREPEND no colon\n")] },
  });
  assert.equal(r.text, MESSAGE);
  assert.deepEqual(r.warnings, [
    'bad PREPEND header text "no colon" in header_checks map -- need "headername: headervalue"',
  ]);
});
