/**
 * Reading Postfix's main.cf (postconf(5) syntax).
 *
 * DESCRIPTION
 *   `parseMainCf` turns main.cf text into its parameters, as Postfix
 *   reads the file:
 *
 *     # comment                a line whose first non-blank is # is ignored
 *     name = value             blanks around = and at the ends are dropped
 *     name = long value
 *         continued            a line starting with a blank continues the
 *                              previous one (joined with one space)
 *
 *   A name set twice keeps its last value, as in Postfix. Values are kept
 *   as written, `$name` references unexpanded. A line that is not
 *   `name = value` is a problem with its line number.
 *
 *   Used by `mailsrv import-postfix`. Pure.
 */

/** One parameter setting of main.cf. */
export interface MainCfSetting {
  readonly value: string;
  /** 1-based line where the setting starts. */
  readonly line: number;
}

/** A read main.cf. */
export interface MainCf {
  /** Settings by name, in file order of their last setting. */
  readonly settings: ReadonlyMap<string, MainCfSetting>;
  /** Lines that could not be read, with their line numbers. */
  readonly problems: ReadonlyArray<{ line: number; message: string }>;
}

/** Lines joined with their continuations, with the first line's number. */
export function logicalLines(
  text: string,
): Array<{ text: string; line: number }> {
  const lines: Array<{ text: string; line: number }> = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/\r$/, "");
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    if (/^\s/.test(line) && lines.length > 0) {
      lines[lines.length - 1].text += " " + trimmed;
      return;
    }
    lines.push({ text: trimmed, line: index + 1 });
  });
  return lines;
}

/** Parses main.cf text. */
export function parseMainCf(text: string): MainCf {
  const settings = new Map<string, MainCfSetting>();
  const problems: Array<{ line: number; message: string }> = [];
  for (const { text: entry, line } of logicalLines(text)) {
    const match = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/s.exec(entry);
    if (match === null) {
      problems.push({
        line,
        message: `not "name = value": "${entry.slice(0, 40)}"`,
      });
      continue;
    }
    settings.delete(match[1]);
    settings.set(match[1], { value: match[2].trim(), line });
  }
  return { settings, problems };
}
