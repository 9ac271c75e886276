import assert from "node:assert/strict";
import {
  decodeXtext,
  encodeXtext,
  isPrintableAscii,
  orcptParameter,
} from "../../../src/common/xtext.ts";

Deno.test("xtext: +HH decodes to the octet, other xchars stand for themselves", () => {
  assert.equal(decodeXtext("QQ314159"), "QQ314159");
  assert.equal(decodeXtext("a+2Bb+3Dc"), "a+b=c");
  assert.equal(decodeXtext("bob+20smith"), "bob smith");
  assert.equal(decodeXtext("lower+2b"), "lower+", "lower-case hex is read");
  assert.equal(decodeXtext(""), "");
});

Deno.test("xtext: what is not xtext is undefined", () => {
  for (const bad of ["a b", "a=b", "a+", "a+2", "a+ZZ", "caf\u00e9", "a\tb"]) {
    assert.equal(decodeXtext(bad), undefined, JSON.stringify(bad));
  }
});

Deno.test("xtext: encoding writes +, =, space, controls and non-ASCII as +HH", () => {
  assert.equal(encodeXtext("bob@example.org"), "bob@example.org");
  assert.equal(encodeXtext("a+b=c d"), "a+2Bb+3Dc+20d");
  assert.equal(encodeXtext("x\ny"), "x+0Ay");
  assert.equal(encodeXtext("\u00e9"), "+E9");
  assert.equal(encodeXtext("\u20ac"), "+E2+82+AC");
});

Deno.test("xtext: encode then decode gives the value back", () => {
  for (
    const value of ["plain", "+++", "a=b", " spaces ", "~!#$%&'*", "\u0001"]
  ) {
    assert.equal(decodeXtext(encodeXtext(value)), value);
  }
});

Deno.test("isPrintableAscii: space to tilde only", () => {
  assert.ok(isPrintableAscii("Bob Smith <b@x>"));
  assert.ok(!isPrintableAscii("tab\there"));
  assert.ok(!isPrintableAscii("\u00e9"));
  assert.ok(!isPrintableAscii("del\u007f"));
});

Deno.test("orcptParameter: the type, a semicolon, the address as xtext", () => {
  assert.equal(
    orcptParameter({ type: "rfc822", address: "Bob+tag@x.test" }),
    "rfc822;Bob+2Btag@x.test",
  );
});
