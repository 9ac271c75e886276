/**
 * `mailsrv postconf -e`: change parameters in the configuration file.
 *
 * DESCRIPTION
 *   `editConfigFile(path, [["myhostname", "mx.example.com"]])` sets each
 *   parameter the way Postfix's `postconf -e` edits main.cf: a parameter
 *   already in the file gets its value replaced in place, keeping every
 *   comment and the layout; a new one is added after the last top-level
 *   parameter (or before the first table, or at the end). Values are
 *   written as TOML integers where the parameter is numeric and the value
 *   is digits, as booleans for yes/no parameters, lists as one Postfix
 *   style string (`"a, b"`), everything else as a quoted string.
 *
 *   The edited text is read and validated as a whole before anything is
 *   written; an invalid edit throws `ConfigError` and leaves the file as it
 *   was. The new file is written to a temporary file in the same
 *   directory, fsynced, renamed over the old one (keeping its permission
 *   bits) and the directory fsynced, so a crash leaves the old or the new
 *   file, never a mix. A missing file is created.
 *
 *   Used by `mailsrv postconf -e`. Needs read and write permission on the
 *   file's directory.
 *
 *   Does NOT lock against a concurrent editor, or change `[[listener]]`
 *   tables.
 */
import { dirname, resolve } from "node:path";
import { ConfigError } from "./config_error.ts";
import {
  type Parameter,
  parameterNamed,
  parameterNames,
} from "./parameters.ts";
import { parseConfig } from "./parse_config.ts";
import { didYouMean } from "./suggest.ts";
import { readSystemFacts, type SystemFacts } from "./system_facts.ts";
import { formatTomlValue } from "./toml.ts";
import { scanTomlLayout } from "./toml_layout.ts";
import { explainTomlMistake } from "./toml_mistakes.ts";
import { splitList } from "./values.ts";
import { editFileAtomically } from "../fs/atomic_replace.ts";

/** Options of `editConfigFile`, for tests. */
export interface EditOptions {
  /** Machine facts used to validate the result. Default: the system's. */
  readonly system?: SystemFacts;
}

/**
 * Sets parameters in a configuration file, keeping its comments and
 * layout; creates the file if missing.
 * @param edits `[name, value]` pairs, applied in order, values as on the
 *   `postconf -e name=value` command line
 * @throws ConfigError for an unknown or read-only name, or when the edited
 *   file would not be valid; the file is then unchanged
 */
export async function editConfigFile(
  path: string,
  edits: ReadonlyArray<readonly [string, string]>,
  options: EditOptions = {},
): Promise<void> {
  const file = resolve(path);
  const system = options.system ?? readSystemFacts();
  await editFileAtomically(file, (original) => {
    let text = original ?? "";
    for (const [name, value] of edits) {
      const parameter = parameterNamed(name);
      if (parameter === undefined) {
        throw new ConfigError(
          `unknown parameter${didYouMean(name, parameterNames())}`,
          { file, key: name },
        );
      }
      if (parameter.readOnly) {
        throw new ConfigError("read-only parameter", { file, key: name });
      }
      text = setParameter(text, name, tomlValueText(parameter, value));
    }
    return checkedEdit(file, original, text, system);
  }, { createMode: 0o644 });
}

/**
 * The edited text of a configuration file once it loads, or null when
 * the edit changed nothing (the file is then left alone).
 * @throws ConfigError naming the file, line and key of what the edit broke
 */
export function checkedEdit(
  file: string,
  original: string | null,
  text: string,
  system: SystemFacts,
): string | null {
  try {
    parseConfig({ file, text, homeDirectory: dirname(file), system });
  } catch (e) {
    throw explainTomlMistake(e, text);
  }
  return text === original ? null : text;
}

/** The TOML text for a value given as on the command line. */
export function tomlValueText(parameter: Parameter, value: string): string {
  switch (parameter.kind) {
    case "integer":
    case "size":
    case "duration":
      if (/^[0-9]+$/.test(value) && Number.isSafeInteger(Number(value))) {
        return formatTomlValue(Number(value));
      }
      return formatTomlValue(value);
    case "boolean":
      if (/^(yes|true)$/i.test(value)) return formatTomlValue(true);
      if (/^(no|false)$/i.test(value)) return formatTomlValue(false);
      return formatTomlValue(value);
    case "list":
      return formatTomlValue(splitList(value).join(", "));
    default:
      return formatTomlValue(value);
  }
}

/** `text` with top-level `name` set to `valueText`, in place or added. */
export function setParameter(
  text: string,
  name: string,
  valueText: string,
): string {
  const layout = scanTomlLayout(text);
  const entry = layout.entries.find((e) => e.table === "" && e.key === name);
  if (entry !== undefined) {
    return text.slice(0, entry.valueStart) + valueText +
      text.slice(entry.valueEnd);
  }
  const line = `${name} = ${valueText}\n`;
  const topLevel = layout.entries.filter((e) => e.table === "");
  if (topLevel.length > 0) {
    const last = topLevel[topLevel.length - 1];
    const lineEnd = text.indexOf("\n", last.valueEnd);
    if (lineEnd === -1) return `${text}\n${line}`;
    return text.slice(0, lineEnd + 1) + line + text.slice(lineEnd + 1);
  }
  if (layout.tables.length > 0) {
    const at = commentBlockStart(text, layout.tables[0].offset);
    return `${text.slice(0, at)}${line}\n${text.slice(at)}`;
  }
  if (text === "" || text.endsWith("\n")) return text + line;
  return `${text}\n${line}`;
}

/** Start of the comment lines directly above the line at `offset`. */
function commentBlockStart(text: string, offset: number): number {
  let at = offset;
  while (at > 0) {
    const previous = text.lastIndexOf("\n", at - 2) + 1;
    if (!text.slice(previous, at).trimStart().startsWith("#")) break;
    at = previous;
  }
  return at;
}
