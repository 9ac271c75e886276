/**
 * What `mailsrv check` found: errors, warnings and notes, in order.
 *
 * DESCRIPTION
 *   Each check family (tables, directories, TLS, listeners) adds to one
 *   `Findings`; `check.ts` prints them as `mailsrv: error: …`,
 *   `mailsrv: warning: …` and `mailsrv: …`, and exits 1 when there is an
 *   error. An error is something that makes mail wait, bounce or the
 *   daemon refuse to start; a warning is worth a look but harmless.
 */

/** One finding. */
export interface Finding {
  readonly level: "error" | "warning" | "note";
  readonly text: string;
}

/** Collects findings. */
export class Findings {
  readonly all: Finding[] = [];
  error(text: string): void {
    this.all.push({ level: "error", text });
  }
  warning(text: string): void {
    this.all.push({ level: "warning", text });
  }
  note(text: string): void {
    this.all.push({ level: "note", text });
  }
  /** Whether any error was found. */
  get failed(): boolean {
    return this.all.some((f) => f.level === "error");
  }
}

/** `No such file or directory`, without Deno's `(os error 2): stat '…'`. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/ \(os error \d+\).*$/s, "");
}

/** `stat`, with undefined for a path that does not exist. */
export async function statIfExists(
  path: string,
): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
