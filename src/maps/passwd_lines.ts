/**
 * Lines of passwd-style files: `name:field:field…`, one entry a line.
 *
 * DESCRIPTION
 *   The one reading of the colon-separated files mailsrv shares with the
 *   system and with vm-pop3d: passwd(5) (`unix:passwd.byname`) and the
 *   per-domain POP3 passwd files htpasswd(1) writes. A line is an entry
 *   unless it is blank or a comment (`#`, after optional white space);
 *   its fields are split at every `:`; the name is the first field
 *   without surrounding white space.
 *
 *   vm-pop3d names compare in lower case (`vmPop3dUser`), so the POP3
 *   server that reads these files and `mailsrv user` that edits them
 *   agree on which line is whose.
 *
 *   Pure: text in, values out. Does NOT know what the fields mean beyond
 *   the name.
 */

/** One entry line: its 1-based number, its text and its fields. */
export interface PasswdStyleLine {
  readonly number: number;
  readonly text: string;
  readonly fields: readonly string[];
}

const NOT_AN_ENTRY = /^\s*(#|$)/;

/**
 * The fields of `line`, or undefined for a blank or comment line.
 * A trailing CR (a file edited on Windows) is dropped.
 */
export function entryFields(line: string): string[] | undefined {
  const text = line.replace(/\r$/, "");
  return NOT_AN_ENTRY.test(text) ? undefined : text.split(":");
}

/** The entry lines of a file, in order, numbered as in the file. */
export function entryLines(text: string): PasswdStyleLine[] {
  const entries: PasswdStyleLine[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const fields = entryFields(lines[index]);
    if (fields !== undefined) {
      entries.push({
        number: index + 1,
        text: lines[index].replace(/\r$/, ""),
        fields,
      });
    }
  }
  return entries;
}

/**
 * The vm-pop3d user a line belongs to: its name in lower case, or
 * undefined for a blank or comment line, or one without `name:`.
 */
export function vmPop3dUser(line: string): string | undefined {
  const fields = entryFields(line);
  if (fields === undefined || fields.length < 2) return undefined;
  const name = fields[0].trim().toLowerCase();
  return name === "" ? undefined : name;
}
