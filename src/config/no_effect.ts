/**
 * Parameters accepted for Postfix's sake that do nothing in mailsrv.
 *
 * DESCRIPTION
 *   A row with `noEffect: "why"` is read and shown like any other, so a
 *   Postfix `main.cf` carries over unchanged; `noEffectWarnings` says, for
 *   each such parameter set in the file or asked for by name, that it has
 *   no effect and why. `mailsrv postconf` prints these on standard error,
 *   as Postfix's postconf warns about unused parameters, so its standard
 *   output stays `name = value` lines.
 *
 *   Used by `mailsrv postconf`. Pure.
 *
 *   Does NOT refuse such parameters, or say anything about those left at
 *   their default.
 */
import { type Parameter, parameterNamed } from "./parameters.ts";
import type { ConfigView } from "./parse_config.ts";

/** `name has no effect in mailsrv: why`, or undefined when it has one. */
export function noEffectNotice(parameter: Parameter): string | undefined {
  return parameter.noEffect === undefined
    ? undefined
    : `${parameter.name} has no effect in mailsrv: ${parameter.noEffect}`;
}

/**
 * A notice for each no-effect parameter set in the file or in `names`,
 * once each, in that order.
 * @param lookup finds a row by name (the parameter table; tests pass theirs)
 */
export function noEffectWarnings(
  view: ConfigView,
  names: readonly string[] = [],
  lookup: (name: string) => Parameter | undefined = parameterNamed,
): string[] {
  const mentioned = new Set([...view.explicit.keys(), ...names]);
  const notices: string[] = [];
  for (const name of mentioned) {
    const parameter = lookup(name);
    const notice = parameter && noEffectNotice(parameter);
    if (notice !== undefined) notices.push(notice);
  }
  return notices;
}
