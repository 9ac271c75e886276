/**
 * How a call the Deno sandbox refused is told apart and worded.
 *
 * DESCRIPTION
 *   Each role runs with only the permissions role_permissions.ts grants
 *   it; a call outside them throws `Deno.errors.NotCapable` ("Requires
 *   write access to …"). That is a permission problem of the
 *   configuration (a path or program the role was not granted), never a
 *   reason to crash: delivery defers the mail with this wording, so the
 *   maillog says what was refused and why.
 *
 *   A shared leaf: imports nothing of mailsrv.
 */

/** Whether `error` is Deno's refusal of an ungranted call. */
export function isSandboxDenial(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable;
}

/** The reason text of a refused call. */
export function sandboxDenialText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Deno's hint names a command-line flag an administrator cannot use here.
  const what = message.replace(/, run again with the --allow-\w+ flag$/, "");
  return `denied by the mailsrv sandbox (${what}); grant it in the ` +
    "configuration or deliver elsewhere";
}
