/**
 * Property tests of the MAIL FROM / RCPT TO path parser
 * (src/smtp/address.ts): any text gives a path or a reason, never an
 * exception; a parsed mailbox respects the RFC 5321 limits, holds no
 * control character, and survives its way through the queue (formatted
 * by smtpd, split again by delivery) unchanged.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ADDRESS_LIMITS,
  formatMailbox,
  type Mailbox,
  parsePath,
} from "../../src/smtp/address.ts";
import { domainOf, localPartOf } from "../../src/resolve/local_part.ts";
import { fuzz, longRun, mailText } from "./fuzz.ts";

/** Pieces of paths, so random joins are often nearly valid. */
const PIECES = [
  "<",
  ">",
  "@",
  '"',
  "\\",
  ".",
  ",",
  ":",
  " ",
  "[",
  "]",
  "IPv6:",
  "ipv6:",
  "::1",
  "fe80::1",
  "2001:db8::",
  "192.0.2.1",
  "%",
  "!",
  "/",
  "..",
  "a",
  "Z9",
  "-",
  "example.org",
  "EXAMPLE.Org",
  "@relay.example,",
  "SIZE=10",
  "\r",
  "\n",
  "\0",
  "\x7f",
  "é",
  "x".repeat(64),
  "y".repeat(70),
];

const soup = fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }).map((p) =>
  p.join("")
);

/** Address literals with something odd inside the brackets. */
const literal = fc.tuple(
  fc.constantFrom("IPv6:", "ipv6:", "", "IPv4:"),
  fc.oneof(fc.ipV6(), fc.ipV4()),
  fc.option(fc.tuple(fc.constantFrom("%", "@", " ", ":"), soup)),
).map(([tag, ip, odd]) => `[${tag}${ip}${odd === null ? "" : odd.join("")}]`);

const anyPath = fc.oneof(
  soup,
  fc.tuple(
    fc.constantFrom("a", "A.b", '"x y"'),
    literal,
    fc.constantFrom("", " SIZE=1"),
  )
    .map(([local, l, tail]) => `<${local}@${l}>${tail}`),
  mailText('<>@"\\.,:[] %!/aZ09-\r\n\0'),
  longRun('"\\.@<>[a- :'),
  fc.tuple(fc.constantFrom("<", '<"', "<@a,", "<a@["), longRun('\\".@,:a')).map(
    ([head, tail]) => head + tail,
  ),
);

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** What every mailbox the parser returns must satisfy. */
function checkMailbox(mailbox: Mailbox): void {
  assert.notEqual(mailbox.localPart, "");
  assert.ok(!CONTROL.test(mailbox.localPart), "control in local part");
  assert.ok(!CONTROL.test(mailbox.domain), "control in domain");
  assert.ok(!/[\s@<>]/.test(mailbox.domain), `bad domain ${mailbox.domain}`);
  assert.equal(
    mailbox.domain,
    mailbox.domain.toLowerCase().replace(
      /^\[ipv6:/,
      "[IPv6:",
    ),
  );
  assert.ok(mailbox.domain.length <= ADDRESS_LIMITS.domain + 7);
  const external = formatMailbox(mailbox);
  assert.ok(external.length <= ADDRESS_LIMITS.path - 2, "path too long");
  // The queue keeps the external form, qualified (smtpd appends
  // $myorigin to an unqualified one); delivery splits it again.
  const queued = mailbox.domain === "" ? `${external}@example.org` : external;
  assert.equal(localPartOf(queued), mailbox.localPart);
  // domainOf lower-cases the whole domain, the IPv6 tag included.
  assert.equal(
    domainOf(queued),
    mailbox.domain === "" ? "example.org" : mailbox.domain.toLowerCase(),
  );
  // smtpd's own output parses to the same mailbox.
  const again = parsePath(`<${external}>`, { allowNull: false });
  assert.ok(again.ok, `formatted "${external}" does not parse`);
  assert.deepEqual(again.path.mailbox, mailbox);
  assert.equal(again.parameters, "");
}

Deno.test("fuzz: parsePath never throws; a parsed mailbox round-trips", () => {
  fuzz(
    "smtp parsePath",
    fc.property(anyPath, fc.boolean(), (text, allowNull) => {
      const parsed = parsePath(text, { allowNull });
      if (!parsed.ok) {
        assert.equal(typeof parsed.reason, "string");
        return;
      }
      assert.ok(!parsed.parameters.startsWith(" "));
      if (parsed.path.mailbox === null) assert.ok(allowNull);
      else checkMailbox(parsed.path.mailbox);
    }),
    { seed: 0x5a17, numRuns: 1500 },
  );
});

const ATEXT = [..."abcXYZ019!#$%&'*+-/=?^_`{|}~"];
const atom = fc.string({
  unit: fc.constantFrom(...ATEXT),
  minLength: 1,
  maxLength: 8,
});
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const domain = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join(".")),
  fc.ipV4().map((ip) => `[${ip}]`),
  fc.ipV6().map((ip) => `[IPv6:${ip}]`),
);
const quoted = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 20,
});
const localPart = fc.oneof(
  fc.array(atom, { minLength: 1, maxLength: 4 }).map((a) => a.join(".")),
  quoted,
);

Deno.test("fuzz: every valid mailbox parses to itself", () => {
  fuzz(
    "smtp valid mailbox",
    fc.property(localPart, domain, (local, dom) => {
      const mailbox = formatMailbox({ localPart: local, domain: dom });
      const parsed = parsePath(`<${mailbox}> BODY=8BITMIME`, {
        allowNull: false,
      });
      assert.ok(parsed.ok, `<${mailbox}> refused`);
      assert.equal(parsed.parameters, "BODY=8BITMIME");
      const got = parsed.path.mailbox!;
      assert.equal(got.localPart, local);
      checkMailbox(got);
    }),
    { seed: 0x5a18, numRuns: 1000 },
  );
});

Deno.test("regression: an IPv6 literal with a zone index is refused", () => {
  // The zone index took any text, `@`, spaces and controls included, so
  // delivery split `u@[IPv6:fe80::1%a@b]` at the wrong `@`.
  for (const text of ["<u@[IPv6:fe80::1%a@b]>", "<u@[IPv6:fe80::1%eth0]>"]) {
    assert.equal(parsePath(text, { allowNull: false }).ok, false, text);
  }
});
