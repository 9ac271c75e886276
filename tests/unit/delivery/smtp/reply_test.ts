import assert from "node:assert/strict";
import {
  ehloOffers,
  enhancedCode,
  MalformedReplyError,
  ReplyAssembler,
  replyText,
} from "../../../../src/delivery/smtp/reply.ts";

Deno.test("multi-line replies are joined; malformed lines and code changes are refused", () => {
  const replies = new ReplyAssembler();
  assert.equal(replies.push("250-mx.example.com"), undefined);
  assert.equal(replies.push("250-SIZE 1000"), undefined);
  assert.deepEqual(replies.push("250 8BITMIME"), {
    code: 250,
    lines: ["mx.example.com", "SIZE 1000", "8BITMIME"],
  });
  assert.deepEqual(replies.push("220"), { code: 220, lines: [""] });
  assert.throws(() => new ReplyAssembler().push("hello"), MalformedReplyError);
  const mixed = new ReplyAssembler();
  mixed.push("250-a");
  assert.throws(() => mixed.push("550 b"), /code changed/);
});

Deno.test("a reply longer than any real one is refused", () => {
  const replies = new ReplyAssembler();
  assert.throws(() => {
    for (let i = 0; i < 1000; i++) replies.push("250-x");
  }, /too many lines/);
});

Deno.test("enhanced codes are read only when their class matches the reply", () => {
  assert.equal(
    enhancedCode({ code: 550, lines: ["5.1.1 No such user"] }),
    "5.1.1",
  );
  assert.equal(enhancedCode({ code: 450, lines: ["5.1.1 odd"] }), undefined);
  assert.equal(enhancedCode({ code: 250, lines: ["Ok"] }), undefined);
  assert.equal(
    replyText({ code: 550, lines: ["5.1.1 No", "such user"] }),
    "550 5.1.1 No such user",
  );
});

Deno.test("EHLO offers: keywords in any case, SIZE with and without a limit, AUTH mechanisms", () => {
  const offers = ehloOffers({
    code: 250,
    lines: [
      "mx",
      "pipelining",
      "SIZE 10240000",
      "8BITMIME",
      "DSN",
      "STARTTLS",
      "AUTH=PLAIN login",
      "AUTH PLAIN LOGIN",
    ],
  });
  assert.equal(offers.pipelining, true);
  assert.equal(offers.size, 10240000);
  assert.equal(offers.dsn, true);
  assert.equal(offers.startTls, true);
  assert.deepEqual(offers.auth, ["PLAIN", "LOGIN"]);
  assert.equal(ehloOffers({ code: 250, lines: ["mx", "SIZE"] }).size, 0);
  assert.equal(ehloOffers({ code: 250, lines: ["mx"] }).size, undefined);
});
