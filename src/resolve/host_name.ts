/**
 * Host name syntax, as Postfix's valid_hostname() judges it.
 *
 * DESCRIPTION
 *   Labels of letters, digits, `-` and `_` (not at either end), at most
 *   63 characters each and 255 in all, one trailing dot allowed, and not
 *   all digits (that would be an address). Used where a domain arrives
 *   from outside: SMTP ETRN and `mailsrv flush --site`. Pure.
 *
 *   Does NOT check that the name exists, or accept address literals.
 */

/** Whether `name` is a syntactically valid host or domain name. */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  if (/^[0-9.]+$/.test(name)) return false;
  return name.replace(/\.$/, "").split(".").every((label) =>
    /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/.test(label)
  );
}
