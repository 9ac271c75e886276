/**
 * SASL for the SMTP client (RFC 4954): which credentials, which
 * mechanism, and the bytes of PLAIN and LOGIN.
 *
 * DESCRIPTION
 *   Credentials come from `smtp_sasl_password_maps` in Postfix's
 *   sasl_passwd format, `KEY  user:password`. As Postfix's
 *   `smtp_sasl_passwd_lookup()`, the table is asked first with the name of
 *   the server host, then with the next-hop destination exactly as the
 *   route names it (`[smtp.example.com]:587`, `example.com`), so both
 *   styles of the how-tos work.
 *
 *   PLAIN is preferred, then LOGIN (what providers' smarthosts offer).
 *   Both send the password readable by anyone on the path, so they are
 *   used only under TLS unless `smtp_sasl_security_options` (plaintext
 *   sessions, Postfix default `noplaintext, noanonymous`) leaves out
 *   `noplaintext`. Under TLS `smtp_sasl_tls_security_options` applies;
 *   mailsrv's default is `noanonymous`, the setting every smarthost how-to
 *   adds to Postfix's.
 *
 *   Pure. Used by the SMTP delivery agent.
 */

/** A user name and password for one server. */
export interface SaslCredentials {
  readonly user: string;
  readonly password: string;
}

/** The mechanisms mailsrv speaks, in order of preference. */
export const CLIENT_MECHANISMS = ["PLAIN", "LOGIN"] as const;

/** A mechanism mailsrv speaks. */
export type ClientMechanism = typeof CLIENT_MECHANISMS[number];

/** The keys to try in smtp_sasl_password_maps, in order. */
export function passwordLookupKeys(host: string, nexthop: string): string[] {
  const keys = [host.toLowerCase(), nexthop];
  return keys.filter((key, i) => key !== "" && keys.indexOf(key) === i);
}

/** Splits a sasl_passwd value `user:password`; undefined without a colon. */
export function parseCredentials(value: string): SaslCredentials | undefined {
  const colon = value.indexOf(":");
  if (colon <= 0) return undefined;
  return { user: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** Reads a security options list (`noplaintext, noanonymous`). */
export function securityOptions(value: string): Set<string> {
  return new Set(
    value.split(/[\s,]+/).map((v) => v.toLowerCase()).filter(Boolean),
  );
}

/**
 * The mechanism to use, or undefined when none is allowed.
 * @param offered the server's AUTH mechanisms (upper case)
 * @param options the security options in force for this session
 */
export function chooseMechanism(
  offered: readonly string[],
  options: ReadonlySet<string>,
): ClientMechanism | undefined {
  // PLAIN and LOGIN are both plaintext mechanisms.
  if (options.has("noplaintext")) return undefined;
  return CLIENT_MECHANISMS.find((m) => offered.includes(m));
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The initial response of PLAIN: authzid empty, authcid, password. */
export function plainResponse(credentials: SaslCredentials): string {
  return base64(`\0${credentials.user}\0${credentials.password}`);
}

/**
 * The answer to a LOGIN challenge (`334 VXNlcm5hbWU6` asks for the user,
 * anything else for the password).
 */
export function loginResponse(
  challenge: string,
  credentials: SaslCredentials,
): string {
  let asked = "";
  try {
    asked = atob(challenge.trim()).toLowerCase();
  } catch {
    // An undecodable challenge: answer in order, as most clients do.
  }
  return base64(
    asked.startsWith("user") ? credentials.user : credentials.password,
  );
}
