/**
 * Per-listener smtpd settings: Postfix's `master.cf -o name=value`.
 *
 * DESCRIPTION
 *   A `[[listener]]` of kind `smtp`, `submission` or `smtps` may set any
 *   parameter of the SMTP server (the rows in `LISTENER_PARAMETERS`) for
 *   its own sessions in an inline table, e.g. a submission listener that
 *   requires TLS and AUTH while port 25 does not:
 *
 *     [[listener]]
 *     port = 587
 *     kind = "submission"
 *     options = { smtpd_tls_security_level = "encrypt", smtpd_sasl_auth_enable = true, smtpd_relay_restrictions = "permit_sasl_authenticated, reject" }
 *
 *   An inline table, not keys of the listener table, because TOML puts
 *   every line below a table header into that table: a parameter
 *   appended at the end of the file must be reported as misplaced, not
 *   silently become an option of the last listener.
 *
 *   The values are read by the same rows as the top-level ones (kind,
 *   syntax, `$name` expansion), so they have the same types;
 *   `listenerConfig` lays them over the configuration for one session.
 *
 *   Used by the config loader and the smtpd listener. Pure.
 */
import type { ParameterValues } from "./parameter_row.ts";
import { SMTPD_PARAMETERS } from "./parameters/smtpd.ts";
import { SMTPD_TLS_PARAMETERS } from "./parameters/smtpd_tls.ts";
import { SMTPD_SASL_PARAMETERS } from "./parameters/smtpd_sasl.ts";
import { SMTPD_POLICY_PARAMETERS } from "./parameters/smtpd_policy.ts";
import { CONTENT_CHECK_PARAMETERS } from "./parameters/content_checks.ts";
import { SMTPD_MAIL_AUTH_PARAMETERS } from "./parameters/smtpd_mail_auth.ts";
import type { ListenerKind } from "./listener_kinds.ts";
import { CONTENT_FILTER_SMTPD_PARAMETERS } from "./parameters/content_filter.ts";
import { SITE_PARAMETERS } from "./parameters/site.ts";

type SiteRow = typeof SITE_PARAMETERS[number];
type MynetworksRow = Extract<SiteRow, { readonly name: "mynetworks" }>;

/**
 * mynetworks: the content filter recipes trust only the filter on the
 * reinjection listener (`-o mynetworks=127.0.0.0/8`).
 */
const MYNETWORKS_ROWS = SITE_PARAMETERS.filter((row): row is MynetworksRow =>
  row.name === "mynetworks"
);

/** The parameters a `[[listener]]` of an SMTP kind may override. */
export const LISTENER_PARAMETERS = [
  ...SMTPD_PARAMETERS,
  ...SMTPD_TLS_PARAMETERS,
  ...SMTPD_SASL_PARAMETERS,
  ...SMTPD_POLICY_PARAMETERS,
  ...CONTENT_FILTER_SMTPD_PARAMETERS,
  ...MYNETWORKS_ROWS,
  ...CONTENT_CHECK_PARAMETERS,
  ...SMTPD_MAIL_AUTH_PARAMETERS,
] as const;

/** One listener's overrides, typed by their rows. */
export type SmtpdOverrides = Partial<
  ParameterValues<typeof LISTENER_PARAMETERS>
>;

/** The names of `LISTENER_PARAMETERS`. */
export const LISTENER_PARAMETER_NAMES: readonly string[] = Object.freeze(
  LISTENER_PARAMETERS.map((row) => row.name),
);

const NAMES: ReadonlySet<string> = new Set(LISTENER_PARAMETER_NAMES);

/** Whether a listener may set parameter `name`. */
export function isListenerParameter(name: string): boolean {
  return NAMES.has(name);
}

/** The listener kinds that run smtpd. */
export const SMTPD_KINDS: readonly ListenerKind[] = Object.freeze([
  "smtp",
  "submission",
  "smtps",
]);

/** Whether `kind` runs smtpd. */
export function isSmtpdKind(kind: ListenerKind): boolean {
  return SMTPD_KINDS.includes(kind);
}

/**
 * The configuration one listener's sessions run with: its overrides laid
 * over `config`, and `smtpd_tls_wrappermode` for kind `smtps`.
 */
export function listenerConfig<C extends object>(
  config: C,
  listener: {
    readonly kind: ListenerKind;
    readonly smtpd?: SmtpdOverrides;
  },
): C {
  const overrides = listener.smtpd ?? {};
  const wrapper = listener.kind === "smtps"
    ? { smtpd_tls_wrappermode: true }
    : {};
  if (Object.keys(overrides).length === 0 && listener.kind !== "smtps") {
    return config;
  }
  return Object.freeze({ ...config, ...overrides, ...wrapper });
}
