/**
 * The list of every parameter, for the README, made from the table.
 *
 * DESCRIPTION
 *   `parameterReference` writes one Markdown list item per row of the
 *   parameter table, in table order (so by area): name, default as
 *   Postfix writes it, and the row's description; the rows accepted
 *   only for Postfix's sake follow in a list of their own, each with the
 *   reason it has no effect. Defaults computed on the machine (host
 *   name, networks) say so instead of showing one machine's value; a
 *   read-only parameter (the version) shows no value, which would change
 *   with every release.
 *
 *   The README holds this text between two marker comments;
 *   `tests/unit/config/parameter_reference_test.ts` fails when the two
 *   disagree and rewrites the README's copy when run with
 *   UPDATE_README=1, so adding a row is all it takes to document it.
 *
 *   Pure.
 */
import { type Parameter, PARAMETERS } from "./parameters.ts";

/** The comment line that opens the generated list in the README. */
export const REFERENCE_BEGIN =
  "<!-- BEGIN parameter list: generated from src/config/parameters/; " +
  "UPDATE_README=1 deno test -A tests/unit/config/parameter_reference_test.ts -->";

/** The comment line that closes it. */
export const REFERENCE_END = "<!-- END parameter list -->";

/** Markdown-safe text: `<domain>` would be read as an HTML tag. */
function escaped(text: string): string {
  return text.replaceAll("<", "\\<").replaceAll(">", "\\>");
}

/** The default as shown in the list. */
function shownDefault(parameter: Parameter): string {
  const value = parameter.defaultValue;
  if (parameter.readOnly) return "read-only";
  if (typeof value !== "string") {
    return "default: computed on this machine, see `mailsrv postconf -d`";
  }
  return value === "" ? "default: empty" : `default \`${value}\``;
}

/** One list item. */
function item(parameter: Parameter): string {
  const head = `- \`${parameter.name}\` (${shownDefault(parameter)}): ` +
    escaped(parameter.description);
  return parameter.noEffect === undefined
    ? head
    : `${head} No effect in mailsrv: ${escaped(parameter.noEffect)}.`;
}

/** The generated Markdown, without the marker lines. */
export function parameterReference(
  parameters: readonly Parameter[] = PARAMETERS,
): string {
  const used = parameters.filter((p) => p.noEffect === undefined);
  const inert = parameters.filter((p) => p.noEffect !== undefined);
  return [
    `mailsrv accepts these ${used.length} parameters (in the order of ` +
    "its parameter table, which groups them by area):",
    "",
    ...used.map(item),
    "",
    `and these ${inert.length} Postfix parameters, so that a Postfix ` +
    "`main.cf` reads unchanged; they have no effect, and `mailsrv " +
    "postconf` says so, and why, when one is set:",
    "",
    ...inert.map(item),
  ].join("\n") + "\n";
}
