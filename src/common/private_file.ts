/**
 * Files that hold secrets (DKIM keys, the SRS secret): read only when no
 * other user can read them.
 *
 * DESCRIPTION
 *   `readPrivateFile` reads a file's text, refusing one that other users
 *   may read (as ssh refuses a private key), with one sentence that names
 *   what the file is and how to fix it. The caller wraps the sentence in
 *   its own error type.
 *
 *   Used by the DKIM key reader and the SRS secret reader. Needs
 *   --allow-read on the file.
 */

/**
 * The text of the secret file at `path`, or why it cannot be used.
 * @param what names the file in messages, e.g. `DKIM key file`
 */
export function readPrivateFile(
  path: string,
  what: string,
): { readonly text: string } | { readonly problem: string } {
  let text: string;
  let mode: number | null;
  try {
    mode = Deno.statSync(path).mode;
    text = Deno.readTextFileSync(path);
  } catch (e) {
    const reason = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : (e as Error).message;
    return { problem: `${what} "${path}": ${reason}` };
  }
  if (mode !== null && (mode & 0o004) !== 0) {
    return {
      problem: `${what} "${path}" is readable by other users (mode ${
        (mode & 0o777).toString(8).padStart(3, "0")
      }); run chmod 600 on it`,
    };
  }
  return { text };
}
