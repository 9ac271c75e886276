/**
 * `mailsrv postconf -X` and `-#`: remove or comment out parameters.
 *
 * DESCRIPTION
 *   `removeParameters(path, names, "remove")` deletes each top-level
 *   `name = value` (all the lines its value spans) from the configuration
 *   file, as Postfix's `postconf -X` does in main.cf; `"comment"` puts
 *   `#` before those lines instead (`postconf -#`). Comments, other
 *   parameters and `[[listener]]` tables are kept as they are. A name
 *   that is not set in the file is left alone, as Postfix leaves it.
 *
 *   The result is validated before the file is replaced, and the file is
 *   replaced atomically (see `edit_config_file.ts`).
 *
 *   Used by `mailsrv postconf`. Needs read and write permission on the
 *   file's directory.
 */
import { resolve } from "node:path";
import { editFileAtomically } from "../fs/atomic_replace.ts";
import { checkedEdit } from "./edit_config_file.ts";
import { readSystemFacts, type SystemFacts } from "./system_facts.ts";
import { scanTomlLayout } from "./toml_layout.ts";

/** What happens to each parameter's lines. */
export type Removal = "remove" | "comment";

/** `text` without (or with commented out) the top-level `names`. */
export function removeFromText(
  text: string,
  names: readonly string[],
  how: Removal,
): string {
  const layout = scanTomlLayout(text);
  const spans = layout.entries
    .filter((entry) => entry.table === "" && names.includes(entry.key))
    .map((entry) => {
      const start = layout.lineStarts[entry.line - 1];
      const newline = text.indexOf("\n", entry.valueEnd);
      return { start, end: newline === -1 ? text.length : newline + 1 };
    })
    .reverse();
  let result = text;
  for (const { start, end } of spans) {
    const lines = result.slice(start, end);
    const replacement = how === "remove" ? "" : lines.replace(/^(?=.)/gm, "#");
    result = result.slice(0, start) + replacement + result.slice(end);
  }
  return result;
}

/**
 * Removes or comments out parameters in a configuration file.
 * @throws ConfigError when the result would not be valid (file unchanged)
 */
export async function removeParameters(
  path: string,
  names: readonly string[],
  how: Removal,
  options: { readonly system?: SystemFacts } = {},
): Promise<void> {
  const file = resolve(path);
  const system = options.system ?? readSystemFacts();
  await editFileAtomically(file, (original) => {
    if (original === null) return null;
    return checkedEdit(
      file,
      original,
      removeFromText(original, names, how),
      system,
    );
  }, { createMode: 0o644 });
}
