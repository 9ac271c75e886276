import assert from "node:assert/strict";
import { join } from "node:path";
import {
  forwardedSender,
  isExcludedDomain,
  isSrsRecipient,
  parseSrsSecrets,
  readSrsSecrets,
  srsProblems,
  srsRecipient,
  SrsSecretError,
} from "../../../src/srs/mod.ts";

const NOW = 1705320000000;

const DIR = Deno.makeTempDirSync({ prefix: "mailsrv-srs-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(DIR, { recursive: true });
});
let files = 0;

async function secretFile(text: string, mode = 0o600): Promise<string> {
  const path = join(DIR, `srs${files++}.secret`);
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, mode);
  return path;
}

Deno.test("srs secrets: one a line as postsrsd reads them, empty lines skipped", () => {
  assert.deepEqual(parseSrsSecrets("first\r\n\nsecond one \nthird"), [
    "first",
    "second one ",
    "third",
  ]);
  assert.deepEqual(parseSrsSecrets("\n\r\n"), []);
});

Deno.test("srs secrets: a file others can read, an empty or missing one is refused", async () => {
  const good = await secretFile("s3cret\nold\n");
  assert.deepEqual(readSrsSecrets(good), ["s3cret", "old"]);
  const open = await secretFile("s3cret\n", 0o644);
  assert.throws(
    () => readSrsSecrets(open),
    (e) =>
      e instanceof SrsSecretError &&
      /readable by other users \(mode 644\); run chmod 600/.test(e.message),
  );
  const empty = await secretFile("\n");
  assert.throws(() => readSrsSecrets(empty), /holds no secret/);
  assert.throws(
    () => readSrsSecrets(join(good, "..", "missing")),
    /no such file/,
  );
});

Deno.test("srs settings: problems only when srs_domain is set", async () => {
  const good = await secretFile("s3cret\n");
  const base = { srs_exclude_domains: [] as string[] };
  assert.deepEqual(
    srsProblems({ ...base, srs_domain: "", srs_secret_file: "" }),
    [],
  );
  assert.deepEqual(
    srsProblems({ ...base, srs_domain: "srs.example", srs_secret_file: good }),
    [],
  );
  assert.match(
    srsProblems({ ...base, srs_domain: "srs.example", srs_secret_file: "" })
      .join(),
    /srs_secret_file is empty/,
  );
  assert.match(
    srsProblems({ ...base, srs_domain: "not a domain", srs_secret_file: good })
      .join(),
    /srs_domain "not a domain" is not a domain name/,
  );
});

Deno.test("srs exclusions: a name is that domain, a leading dot its subdomains", () => {
  const excludes = ["example.com", ".sub.example"];
  assert.equal(isExcludedDomain("example.com", excludes), true);
  assert.equal(isExcludedDomain("EXAMPLE.com", excludes), true);
  assert.equal(isExcludedDomain("a.example.com", excludes), false);
  assert.equal(isExcludedDomain("a.sub.example", excludes), true);
  assert.equal(isExcludedDomain("sub.example", excludes), false);
});

Deno.test("srs settings: which senders are rewritten, which recipients are ours", async () => {
  const config = {
    srs_domain: "SRS.Example.NET.",
    srs_secret_file: await secretFile("s3cret\n"),
    srs_exclude_domains: ["example.com"],
  };
  assert.equal(forwardedSender("", config, NOW), "");
  assert.equal(forwardedSender("a@example.com", config, NOW), "a@example.com");
  const srs = forwardedSender("Alice@example.org", config, NOW);
  assert.equal(srs, "SRS0=EU7j=IZ=example.org=Alice@srs.example.net");
  assert.equal(
    forwardedSender("Alice@example.org", { ...config, srs_domain: "" }, NOW),
    "Alice@example.org",
  );
  assert.equal(isSrsRecipient(srs, config), true);
  assert.equal(isSrsRecipient(srs.replace("net", "org"), config), false);
  assert.equal(isSrsRecipient("bob@srs.example.net", config), false);
  assert.deepEqual(srsRecipient(srs, config, NOW), {
    kind: "valid",
    address: "Alice@example.org",
  });
  // Another domain's SRS address is not ours to reverse.
  assert.deepEqual(
    srsRecipient(srs.replace("srs.example.net", "other.example"), config, NOW),
    { kind: "not-srs" },
  );
});
