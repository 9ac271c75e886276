import assert from "node:assert/strict";
import {
  createExpander,
  expandParameter,
  expandText,
  ExpansionError,
} from "../../../src/config/expand.ts";

function lookupOf(values: Record<string, string>) {
  return (name: string) =>
    Object.hasOwn(values, name) ? values[name] : undefined;
}

const VALUES = lookupOf({
  myhostname: "mx.$mydomain",
  mydomain: "example.com",
  myorigin: "$myhostname",
  mail_name: "mailsrv",
  smtpd_banner: "${myhostname} ESMTP $(mail_name)",
  empty: "",
});

Deno.test("expandText expands $name, ${name} and $(name) recursively", () => {
  assert.equal(expandText("$myorigin", VALUES), "mx.example.com");
  assert.equal(
    expandParameter("smtpd_banner", VALUES),
    "mx.example.com ESMTP mailsrv",
  );
  assert.equal(
    expandText("localhost.$mydomain", VALUES),
    "localhost.example.com",
  );
  assert.equal(expandText("$mydomain.", VALUES), "example.com.");
  assert.equal(expandText("no references", VALUES), "no references");
  assert.equal(expandText("", VALUES), "");
});

Deno.test("expandText turns $$ into a literal $", () => {
  assert.equal(expandText("costs $$5", VALUES), "costs $5");
  assert.equal(expandText("$$mydomain", VALUES), "$mydomain");
  assert.equal(expandText("$$$mydomain", VALUES), "$example.com");
});

Deno.test("expandText supports Postfix conditionals", () => {
  assert.equal(
    expandText("${mydomain?set: $mydomain}", VALUES),
    "set: example.com",
  );
  assert.equal(expandText("${empty?set}", VALUES), "");
  assert.equal(expandText("${empty:unset}", VALUES), "unset");
  assert.equal(expandText("${mydomain:unset}", VALUES), "");
  assert.equal(expandText("${mydomain?{${mail_name}}}", VALUES), "{mailsrv}");
});

Deno.test("expandText names the chain of a parameter loop", () => {
  const loop = lookupOf({ a: "x $b", b: "$c", c: "${a}", d: "$d" });
  assert.throws(
    () => expandParameter("a", loop),
    (e: unknown) => {
      assert.ok(e instanceof ExpansionError);
      assert.equal(e.message, "parameter loop: $a -> $b -> $c -> $a");
      assert.deepEqual(e.chain, ["a", "b", "c", "a"]);
      return true;
    },
  );
  assert.throws(() => expandParameter("d", loop), /parameter loop: \$d -> \$d/);
  assert.throws(
    () => expandText("before $b", loop),
    /parameter loop: \$b -> \$c -> \$a -> \$b/,
  );
});

Deno.test("expandText rejects unknown names and stray dollars", () => {
  assert.throws(
    () => expandParameter("a", lookupOf({ a: "$b", b: "$nosuch" })),
    (e: unknown) => {
      assert.ok(e instanceof ExpansionError);
      assert.equal(e.message, 'unknown parameter "$nosuch"');
      assert.deepEqual(e.chain, ["a", "b"]);
      assert.equal(e.unknownName, "nosuch");
      return true;
    },
  );
  assert.throws(
    () => expandText("costs $ 5", VALUES),
    /"\$" not followed by a parameter name in "costs \$ 5" \(write "\$\$" for a literal "\$"\)/,
  );
  assert.throws(
    () => expandText("end $", VALUES),
    /not followed by a parameter name/,
  );
  assert.throws(() => expandText("${mydomain", VALUES), /unbalanced "\{"/);
  assert.throws(
    () => expandText("${my-domain}", VALUES),
    /bad parameter reference "\$\{my-domain\}"/,
  );
});

Deno.test("createExpander looks each parameter up once", () => {
  const asked: string[] = [];
  const expander = createExpander((name) => {
    asked.push(name);
    return name === "a" ? "$b $b" : "x";
  });
  assert.equal(expander.parameter("a"), "x x");
  assert.equal(expander.text("$a/$b"), "x x/x");
  assert.deepEqual(asked, ["a", "b"]);
});
