import assert from "node:assert/strict";
import {
  expandForwardPath,
  type ForwardPathAttributes,
} from "../../../../src/delivery/local/forward_path.ts";

const BOB: ForwardPathAttributes = {
  user: "bob",
  home: "/home/bob",
  shell: "/bin/sh",
  recipient: "bob+lists@example.org",
  local: "bob+lists",
  domain: "example.org",
  extension: "lists",
  recipient_delimiter: "+",
};

Deno.test("forward_path: $name and ${name} are filled in", () => {
  assert.equal(
    expandForwardPath("$home/.forward${recipient_delimiter}${extension}", BOB),
    "/home/bob/.forward+lists",
  );
  assert.equal(
    expandForwardPath("/var/forward/$user/$domain/$local", BOB),
    "/var/forward/bob/example.org/bob+lists",
  );
  assert.equal(
    expandForwardPath("$home/.forward$recipient_delimiter$extension", {
      ...BOB,
      extension: "",
      recipient_delimiter: "",
    }),
    "/home/bob/.forward",
  );
});

Deno.test("forward_path: ${name?text} and ${name:text} depend on the value", () => {
  const template = "$home/.forward${extension?-$extension}${extension:-none}";
  assert.equal(expandForwardPath(template, BOB), "/home/bob/.forward-lists");
  assert.equal(
    expandForwardPath(template, { ...BOB, extension: "" }),
    "/home/bob/.forward-none",
  );
});

Deno.test("forward_path: $$ is a dollar and unknown names stay as written", () => {
  assert.equal(
    expandForwardPath("$home/$$x/${nosuch}/$other", BOB),
    "/home/bob/$x/${nosuch}/$other",
  );
});
