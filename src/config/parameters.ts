/**
 * The parameter table: every configuration parameter mailsrv knows.
 *
 * DESCRIPTION
 *   One row per parameter, named as in Postfix's postconf(5): its kind
 *   (how the value is read), its default as Postfix writes it (possibly
 *   with `$name` references), the embedded default's value where that
 *   differs (used when no configuration file exists), the syntax of its
 *   items, and a one-line description (`parameter_row.ts` has the row's
 *   shape). The rows live in `parameters/`, one file per area; this file
 *   puts them together. The `Config` type (`types.ts`), the loader, the
 *   validator and `mailsrv postconf` all follow from this table: adding a
 *   parameter is adding one row.
 *
 *   To add a parameter, add its row to its area's file in `parameters/`
 *   (or a new area file listed below): `Config.<name>` then exists with
 *   its kind's type, the loader reads and checks it, `postconf` shows it.
 *   A parameter accepted only so that a Postfix `main.cf` reads unchanged
 *   gets `noEffect: "why"`, which `postconf` reports (`no_effect.ts`).
 *
 *   `mail_name` and `mail_version` exist for `$name` expansion (as in the
 *   default `smtpd_banner`); `mail_version` cannot be set.
 *
 *   Used by the config loader and `mailsrv postconf`. Pure.
 *
 *   Does NOT read files or validate values; see `parse_config.ts`.
 */
import type {
  DefaultContext,
  Parameter,
  ParameterValues,
} from "./parameter_row.ts";
import { SITE_PARAMETERS } from "./parameters/site.ts";
import { SMTPD_PARAMETERS } from "./parameters/smtpd.ts";
import { SMTPD_POLICY_PARAMETERS } from "./parameters/smtpd_policy.ts";
import { SMTPD_MAIL_AUTH_PARAMETERS } from "./parameters/smtpd_mail_auth.ts";
import { SMTPD_TLS_PARAMETERS } from "./parameters/smtpd_tls.ts";
import { SMTPD_SASL_PARAMETERS } from "./parameters/smtpd_sasl.ts";
import { LOCAL_DELIVERY_PARAMETERS } from "./parameters/local_delivery.ts";
import { VIRTUAL_PARAMETERS } from "./parameters/virtual.ts";
import { POP3_PARAMETERS } from "./parameters/pop3.ts";
import { QUEUE_PARAMETERS } from "./parameters/queue.ts";
import { COMPATIBILITY_PARAMETERS } from "./parameters/compatibility.ts";
import { SMTP_CLIENT_PARAMETERS } from "./parameters/smtp_client.ts";
import { ROUTING_PARAMETERS } from "./parameters/routing.ts";
import { SCHEDULER_PARAMETERS } from "./parameters/scheduler.ts";
import {
  CONTENT_FILTER_SMTPD_PARAMETERS,
  TRANSPORT_OPTION_PARAMETERS,
} from "./parameters/content_filter.ts";
import { CONTENT_CHECK_PARAMETERS } from "./parameters/content_checks.ts";
import { SRS_PARAMETERS } from "./parameters/srs.ts";

export type {
  DefaultContext,
  ItemSyntax,
  Parameter,
  ParameterKind,
  ParameterValue,
  ParameterValues,
  ValueOf,
} from "./parameter_row.ts";
export {
  domainOfHostname,
  MAIL_NAME,
  qualifiedHostname,
} from "./parameters/site.ts";

const ROWS = [
  ...SITE_PARAMETERS,
  ...SMTPD_PARAMETERS,
  ...SMTPD_POLICY_PARAMETERS,
  ...SMTPD_MAIL_AUTH_PARAMETERS,
  ...SMTPD_TLS_PARAMETERS,
  ...SMTPD_SASL_PARAMETERS,
  ...LOCAL_DELIVERY_PARAMETERS,
  ...VIRTUAL_PARAMETERS,
  ...POP3_PARAMETERS,
  ...QUEUE_PARAMETERS,
  ...COMPATIBILITY_PARAMETERS,
  ...SMTP_CLIENT_PARAMETERS,
  ...ROUTING_PARAMETERS,
  ...SCHEDULER_PARAMETERS,
  ...CONTENT_FILTER_SMTPD_PARAMETERS,
  ...TRANSPORT_OPTION_PARAMETERS,
  ...CONTENT_CHECK_PARAMETERS,
  ...SRS_PARAMETERS,
];
for (const row of ROWS) Object.freeze(row);

/** Every parameter (frozen rows), by area. */
export const PARAMETERS: readonly Parameter[] = Object.freeze([...ROWS]);

/** Every parameter's value, typed by its row: the parameters of `Config`. */
export type ConfigParameters = ParameterValues<typeof ROWS>;

/** A parameter's name. */
export type ParameterName = keyof ConfigParameters;

const BY_NAME: ReadonlyMap<string, Parameter> = new Map(
  PARAMETERS.map((parameter) => [parameter.name, parameter]),
);

/** The parameter called `name`, or undefined. */
export function parameterNamed(name: string): Parameter | undefined {
  return BY_NAME.get(name);
}

/** Every parameter name, in table order. */
export function parameterNames(): ParameterName[] {
  return ROWS.map((parameter) => parameter.name);
}

/**
 * The default text of a parameter (unexpanded where Postfix shows it so).
 * @param embedded use the embedded default where it differs
 */
export function defaultText(
  parameter: Parameter,
  context: DefaultContext,
  embedded: boolean,
): string {
  if (embedded && parameter.embeddedDefault !== undefined) {
    return parameter.embeddedDefault;
  }
  const value = parameter.defaultValue;
  return typeof value === "string" ? value : value(context);
}
