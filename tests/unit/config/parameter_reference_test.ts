/**
 * The README lists every parameter the table has, as the table says.
 * UPDATE_README=1 rewrites the README's list (then run deno fmt).
 */
import assert from "node:assert/strict";
import {
  parameterReference,
  REFERENCE_BEGIN,
  REFERENCE_END,
} from "../../../src/config/parameter_reference.ts";
import type { Parameter } from "../../../src/config/parameters.ts";

const README = new URL("../../../README.md", import.meta.url);

/** The text between the markers, and where it is. */
function generatedPart(readme: string) {
  const begin = readme.indexOf(REFERENCE_BEGIN);
  const end = readme.indexOf(REFERENCE_END);
  assert.ok(begin !== -1 && end > begin, "README.md has no parameter list");
  const start = begin + REFERENCE_BEGIN.length;
  return { start, end, text: readme.slice(start, end) };
}

/** Markdown as read, whatever line wrapping deno fmt chose. */
function words(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

Deno.test("the README's parameter list is the parameter table's", async () => {
  const readme = await Deno.readTextFile(README);
  const part = generatedPart(readme);
  const expected = parameterReference();
  if (Deno.env.get("UPDATE_README") === "1") {
    await Deno.writeTextFile(
      README,
      `${readme.slice(0, part.start)}\n\n${expected}\n${
        readme.slice(part.end)
      }`,
    );
    await new Deno.Command(Deno.execPath(), { args: ["fmt", README.pathname] })
      .output();
    return;
  }
  assert.equal(
    words(part.text),
    words(expected),
    "README.md's parameter list is out of date: run " +
      "UPDATE_README=1 deno test -A tests/unit/config/parameter_reference_test.ts",
  );
});

Deno.test("each row is listed with its default and description; no-effect rows apart, with why", () => {
  const rows: Parameter[] = [
    {
      name: "myhostname",
      kind: "string",
      defaultValue: () => "x",
      description: "The host name.",
    },
    {
      name: "pop3_passwd_directory",
      kind: "path",
      defaultValue: "/etc/virtual",
      description: "Where <domain>/passwd files live.",
    },
    {
      name: "recipient_delimiter",
      kind: "string",
      defaultValue: "",
      description: "Separates extensions.",
    },
    {
      name: "biff",
      kind: "boolean",
      defaultValue: "yes",
      noEffect: "no biff here",
      description: "Postfix: notify biff.",
    },
  ];
  assert.equal(
    parameterReference(rows),
    "mailsrv accepts these 3 parameters (in the order of its parameter " +
      "table, which groups them by area):\n\n" +
      "- `myhostname` (default: computed on this machine, see `mailsrv " +
      "postconf -d`): The host name.\n" +
      "- `pop3_passwd_directory` (default `/etc/virtual`): Where " +
      "\\<domain\\>/passwd files live.\n" +
      "- `recipient_delimiter` (default: empty): Separates extensions.\n\n" +
      "and these 1 Postfix parameters, so that a Postfix `main.cf` reads " +
      "unchanged; they have no effect, and `mailsrv postconf` says so, and " +
      "why, when one is set:\n\n" +
      "- `biff` (default `yes`): Postfix: notify biff. No effect in " +
      "mailsrv: no biff here.\n",
  );
});
