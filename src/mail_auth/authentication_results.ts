/**
 * The Authentication-Results header field (RFC 8601): writing ours,
 * recognising forged ones.
 *
 * DESCRIPTION
 *   `authenticationResultsHeader(authservId, entries)` writes one field,
 *   one method result per folded line, with LF line ends as the queued
 *   content has them:
 *
 *     Authentication-Results: mail.example.org;
 *             dkim=pass header.d=example.com header.s=sel header.b=AbCd;
 *             spf=pass smtp.mailfrom=example.com;
 *             dmarc=pass header.from=example.com
 *
 *   `claimsAuthservId(field, id)` says whether a received
 *   Authentication-Results field names `id` as its authserv-id: RFC 8601
 *   section 5 has the border MTA remove those, since only it may speak
 *   for that name.
 *
 *   Used by smtpd (the header it stores, the filter of forged fields).
 *   Pure.
 */

/** The header name, as written. */
export const AUTHENTICATION_RESULTS = "Authentication-Results";

/** Our field with the given method results, LF line ends, ending in LF. */
export function authenticationResultsHeader(
  authservId: string,
  entries: readonly string[],
): string {
  const id = /^[!#-'*+\-.0-9=?A-Z^-~]+$/.test(authservId)
    ? authservId
    : `"${authservId.replace(/["\\]/g, "\\$&")}"`;
  const results = entries.length === 0
    ? ["none"]
    : entries.map((e) => e.replace(/\r?\n[ \t]*/g, " ").trim());
  return `${AUTHENTICATION_RESULTS}: ${id};\n\t${results.join(";\n\t")}\n`;
}

/**
 * Whether a whole header field (name, colon, value; folded or not) is an
 * Authentication-Results field whose authserv-id is `authservId`
 * (compared without case, as host names are).
 */
export function claimsAuthservId(field: string, authservId: string): boolean {
  const colon = field.indexOf(":");
  if (colon < 0) return false;
  if (field.slice(0, colon).trim().toLowerCase() !== "authentication-results") {
    return false;
  }
  const value = withoutComments(field.slice(colon + 1)).trim();
  const end = value.search(/[;\s]/);
  let id = end < 0 ? value : value.slice(0, end);
  if (id.startsWith('"') && id.endsWith('"') && id.length >= 2) {
    id = id.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  return id.toLowerCase() === authservId.toLowerCase();
}

/** The value with RFC 5322 comments (nested parentheses) removed. */
function withoutComments(value: string): string {
  let out = "";
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\\" && depth > 0) {
      i++;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")" && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}
