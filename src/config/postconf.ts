/**
 * What `mailsrv postconf` prints.
 *
 * DESCRIPTION
 *   `renderParameters` shows parameters as Postfix's postconf(1) does,
 *   one `name = value` line each, sorted by name:
 *
 *   - by default, every parameter with its value in effect, as written
 *     (unexpanded; lists joined with ", ");
 *   - `nonDefault` (`-n`): only the parameters set in the file;
 *   - `defaults` (`-d`): the defaults (the embedded defaults when there is
 *     no file);
 *   - `expand` (`-x`): values with `$name` references expanded;
 *   - `names`: just those parameters, in the order given;
 *   - `valuesOnly` (`-h`): the values alone, without `name = `.
 *
 *   `unknownParameterNames` picks out the names no row has, which the
 *   CLI reports with Postfix's warning before showing the rest.
 *
 *   Without `names`, the listeners follow as TOML `[[listener]]` blocks,
 *   ready to paste into a configuration file.
 *
 *   `renderMasterCf` (`-M`) shows the listeners as master.cf service
 *   lines (`master_cf_lines.ts`).
 *
 *   `editConfigFile` (`-e`) is in `edit_config_file.ts` and re-exported
 *   here. The CLI wrapper (option parsing, output) is `src/cli/postconf.ts`.
 *
 *   Pure.
 */
import type { Listener } from "./types.ts";
import { ConfigError } from "./config_error.ts";
import { createExpander } from "./expand.ts";
import { parameterNamed, parameterNames } from "./parameters.ts";
import type { ConfigView } from "./parse_config.ts";
import { didYouMean } from "./suggest.ts";
import { formatTomlValue } from "./toml.ts";
import { masterCfLines } from "./master_cf_lines.ts";

export { editConfigFile } from "./edit_config_file.ts";

/** Which parameters `renderParameters` shows, and how. */
export interface RenderOptions {
  /** `-n`: only parameters set in the configuration file. */
  readonly nonDefault?: boolean;
  /** `-d`: default values instead of the values in effect. */
  readonly defaults?: boolean;
  /** `-x`: expand `$name` references. */
  readonly expand?: boolean;
  /** Only these parameters, in this order. */
  readonly names?: readonly string[];
  /** `-h`: values only, without `name = ` (and without the listeners). */
  readonly valuesOnly?: boolean;
}

/** The names in `names` that are no parameter of mailsrv's, in order. */
export function unknownParameterNames(names: readonly string[]): string[] {
  return names.filter((name) => parameterNamed(name) === undefined);
}

/**
 * Renders parameters (and listeners) as `mailsrv postconf` prints them.
 * @throws ConfigError for an unknown name or for `-n` with `-d`
 */
export function renderParameters(
  view: ConfigView,
  options: RenderOptions = {},
): string {
  if (options.nonDefault && options.defaults) {
    throw new ConfigError("-n and -d cannot be used together");
  }
  const names = options.names ?? parameterNames().sort();
  for (const name of names) {
    if (parameterNamed(name) === undefined) {
      throw new ConfigError(
        `unknown parameter${didYouMean(name, parameterNames())}`,
        { key: name },
      );
    }
  }
  const values = shownValues(view, options);
  const lines: string[] = [];
  for (const name of names) {
    const value = values.get(name);
    if (value === undefined) continue;
    if (options.valuesOnly) lines.push(value);
    else lines.push(value === "" ? `${name} =` : `${name} = ${value}`);
  }
  if (options.names === undefined && !options.valuesOnly) {
    for (const listener of shownListeners(view, options)) {
      lines.push("", ...listenerBlock(listener));
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** The value shown for each parameter (none: not shown). */
function shownValues(
  view: ConfigView,
  options: RenderOptions,
): ReadonlyMap<string, string> {
  if (options.defaults) {
    if (!options.expand) return view.defaults;
    const expander = createExpander((name) => view.defaults.get(name));
    return new Map(
      [...view.defaults].map(([name, text]) => [
        name,
        parameterNamed(name)?.expandedAtDelivery
          ? text
          : expander.parameter(name),
      ]),
    );
  }
  if (options.nonDefault) {
    if (!options.expand) return view.explicit;
    return new Map(
      [...view.explicit.keys()].map((name) => [
        name,
        view.expanded.get(name) ?? "",
      ]),
    );
  }
  return options.expand ? view.expanded : view.effective;
}

/**
 * The listeners as master.cf lines (`-M`): those in effect, or with
 * `nonDefault` the ones in the file, with `defaults` the default ones;
 * `names` keeps the services named (`smtp`, `submission/inet`,
 * `127.0.0.1:10026`).
 */
export function renderMasterCf(
  view: ConfigView,
  options: RenderOptions = {},
): string {
  const wanted = options.names?.map((name) => name.replace(/\/inet$/, ""));
  const lines = masterCfLines(shownListeners(view, options)).filter((line) =>
    wanted === undefined || wanted.includes(line.split(" ")[0])
  );
  return lines.map((line) => `${line}\n`).join("");
}

function shownListeners(
  view: ConfigView,
  options: RenderOptions,
): readonly Listener[] {
  if (options.defaults) return view.defaultListeners;
  if (options.nonDefault) return view.listeners;
  return view.effectiveListeners;
}

/** A listener as a TOML `[[listener]]` table. */
function listenerBlock(listener: Listener): string[] {
  return [
    "[[listener]]",
    `address = ${formatTomlValue(listener.address)}`,
    `port = ${formatTomlValue(listener.port)}`,
    `kind = ${formatTomlValue(listener.kind)}`,
    // The listener's own smtpd parameters, as read (seconds, bytes).
    ...(listener.smtpd === undefined ? [] : [
      `options = { ${
        Object.entries(listener.smtpd).map(([name, value]) =>
          `${name} = ${formatTomlValue(value)}`
        ).join(", ")
      } }`,
    ]),
  ];
}
