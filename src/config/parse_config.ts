/**
 * From configuration text to the frozen `Config` and the postconf view.
 *
 * DESCRIPTION
 *   `parseConfig` reads TOML text (or nothing, for the embedded default)
 *   in four steps, each driven by the parameter table:
 *
 *   1. Top-level keys are parameters; each value is turned into its
 *      Postfix text (integers as digits, arrays joined with ", ").
 *      `[[listener]]` tables are read separately.
 *   2. Parameters not set take their default (the embedded default when
 *      there is no file); machine-dependent defaults (mydomain, mynetworks)
 *      follow the values in effect, as in Postfix.
 *   3. Every value is `$name`-expanded.
 *   4. Every value is read as its kind (list, duration, size, ...) and
 *      checked (domain names, CIDR networks, interfaces, lookup tables,
 *      minimums, backoff order); relative paths are made absolute against
 *      the file's directory (or the mailsrv home).
 *
 *   The first problem ends the reading with a `ConfigError` naming the
 *   file, line and key (values are read in `parameter_value.ts`,
 *   listeners in `listeners.ts`). The result is deeply frozen. The view keeps the
 *   values as written and the defaults as Postfix shows them, for
 *   `mailsrv postconf`.
 *
 *   Used by the config loader and `mailsrv postconf -e`. Pure: the file
 *   text and machine facts are passed in.
 *
 *   Does NOT read files; see `load.ts`.
 */
import { resolve } from "node:path";
import type { Config, Listener } from "./types.ts";
import { ConfigError } from "./config_error.ts";
import { createExpander, expandText, ExpansionError } from "./expand.ts";
import {
  defaultListeners,
  EMBEDDED_LISTENERS,
  readListeners,
  tomlTypeName,
} from "./listeners.ts";
import { readDkimTables } from "./dkim_tables.ts";
import {
  type ConfigParameters,
  type DefaultContext,
  defaultText,
  type Parameter,
  parameterNamed,
  parameterNames,
  PARAMETERS,
  type ParameterValue,
} from "./parameters.ts";
import type { SystemFacts } from "./system_facts.ts";
import { didYouMean } from "./suggest.ts";
import {
  parseToml,
  TomlSyntaxError,
  type TomlTable,
  type TomlValue,
} from "./toml.ts";
import { keyLine, type KeyPlace, scanTomlLayout } from "./toml_layout.ts";
import { splitList, ValueError } from "./values.ts";
import { readParameterValue } from "./parameter_value.ts";
import { checkMailboxLimits } from "./mailbox_limits.ts";
import { checkAddressFamilies } from "./address_families.ts";
import { INET_PROTOCOLS, type InetProtocols } from "./inet_protocols.ts";
import { readTransports } from "./transports.ts";

/** What `parseConfig` reads. */
export interface ConfigSource {
  /** Absolute path of the configuration file; null: the embedded default. */
  readonly file: string | null;
  /** The file's text; ignored for the embedded default. */
  readonly text: string;
  /** `$MAILSRV_HOME` or the working directory (embedded default base). */
  readonly homeDirectory: string;
  /** Host name and interfaces, for machine-dependent defaults. */
  readonly system: SystemFacts;
}

/** The configuration as `mailsrv postconf` shows it. */
export interface ConfigView {
  /** The file read, or null for the embedded default. */
  readonly configFile: string | null;
  /** Base for relative paths. */
  readonly homeDirectory: string;
  /** Parameters set in the file, as written (lists joined with ", "). */
  readonly explicit: ReadonlyMap<string, string>;
  /** Every parameter's default as `postconf -d` shows it. */
  readonly defaults: ReadonlyMap<string, string>;
  /** Every parameter's value in effect, unexpanded (set, or default). */
  readonly effective: ReadonlyMap<string, string>;
  /** Every parameter's value in effect, fully expanded. */
  readonly expanded: ReadonlyMap<string, string>;
  /** The `[[listener]]` tables of the file (empty when there are none). */
  readonly listeners: readonly Listener[];
  /** The listeners `postconf -d` shows: those of the default values. */
  readonly defaultListeners: readonly Listener[];
  /** The listeners in effect (`Config.listeners`). */
  readonly effectiveListeners: readonly Listener[];
}

/** A configuration and its postconf view. */
export interface ParsedConfig {
  readonly config: Config;
  readonly view: ConfigView;
}

/** Top-level keys that are not parameters. */
const TABLE_KEYS = ["listener", "dkim", "transport"];

/** Reports a problem at a key (or nowhere in particular) and throws. */
type Failure = (reason: string, place?: KeyPlace) => never;

/** Reads a configuration; throws `ConfigError` on the first problem. */
export function parseConfig(source: ConfigSource): ParsedConfig {
  const { file, system } = source;
  const embedded = file === null;
  const text = embedded ? "" : source.text;
  const base = embedded ? source.homeDirectory : directoryOf(file);
  const layout = scanTomlLayout(text);
  const fail: Failure = (reason, place) => {
    throw new ConfigError(reason, {
      file,
      line: place && keyLine(layout, place),
      key: place && keyName(place),
    });
  };

  const document = readDocument(text, file);
  const { explicit } = readWritten(document, fail);
  const resolvePath = (path: string) => absolutePath(base, path);
  const defaults = defaultTexts(system, embedded, resolvePath);
  const { effective, expanded } = expandAll(
    explicit,
    defaults,
    system,
    embedded,
    (error) => {
      const culprit = [...error.chain].reverse().find((n) => explicit.has(n));
      const hint = error.unknownName === undefined
        ? ""
        : didYouMean(error.unknownName, parameterNames());
      return fail(error.message + hint, culprit ? { key: culprit } : undefined);
    },
  );
  const typed = readTyped(expanded, explicit, resolvePath, fail);
  const written = {
    listeners: document.listener === undefined ? [] : readListeners(
      document.listener,
      fail,
      (name, value, place) =>
        readOverride(
          name,
          value,
          effective,
          resolvePath,
          (reason) => fail(`${name}: ${reason}`, place),
        ),
    ),
  };
  const transports = document.transport === undefined ? [] : readTransports(
    document.transport,
    fail,
    (name, value, place) =>
      readOverride(
        name,
        value,
        effective,
        resolvePath,
        (reason) => fail(`${name}: ${reason}`, place),
      ),
  );
  checkBackoff(typed, explicit, fail);
  checkMailboxLimits(typed, explicit, fail);
  checkAddressFamilies(
    typed.inet_protocols,
    typed.inet_interfaces,
    written.listeners,
    fail,
  );

  const systemHasIpv6 = system.interfaces.some((i) => i.family === "IPv6");
  const fallbackListeners = embedded
    ? [...EMBEDDED_LISTENERS]
    : defaultListeners(
      typed.inet_interfaces,
      typed.inet_protocols,
      systemHasIpv6,
    );
  const listeners = written.listeners.length > 0
    ? written.listeners
    : fallbackListeners;
  const dkim = document.dkim === undefined
    ? []
    : readDkimTables(document.dkim, fail, resolvePath);
  const config: Config = {
    configFile: file,
    homeDirectory: base,
    ...typed,
    listeners,
    dkim,
    transports,
  };
  const view: ConfigView = {
    configFile: file,
    homeDirectory: base,
    explicit,
    defaults,
    effective,
    expanded,
    listeners: written.listeners,
    defaultListeners: embedded ? [...EMBEDDED_LISTENERS] : defaultListeners(
      splitList(defaults.get("inet_interfaces") ?? ""),
      readDefaultProtocols(defaults),
      systemHasIpv6,
    ),
    effectiveListeners: listeners,
  };
  return { config: deepFreeze(config), view: deepFreeze(view) };
}

/** The default inet_protocols, as `postconf -d` shows it. */
function readDefaultProtocols(
  defaults: ReadonlyMap<string, string>,
): InetProtocols {
  const text = defaults.get("inet_protocols");
  return INET_PROTOCOLS.find((word) => word === text) ?? "all";
}

/** `key`, or `table.key` for a key inside a table. */
function keyName(place: KeyPlace): string {
  return place.table === undefined
    ? place.key
    : `${place.table.name}.${place.key}`;
}

/** What the file sets: parameter texts (listeners are read later). */
interface Written {
  readonly explicit: Map<string, string>;
}

/** Reads the top-level keys of the document, except the listener tables. */
function readWritten(document: TomlTable, fail: Failure): Written {
  const explicit = new Map<string, string>();
  for (const [key, value] of Object.entries(document)) {
    if (TABLE_KEYS.includes(key)) continue;
    const parameter = parameterNamed(key);
    if (parameter === undefined) {
      const names = [...parameterNames(), ...TABLE_KEYS];
      fail(`unknown parameter${didYouMean(key, names)}`, { key });
    } else if (parameter.readOnly) {
      fail("read-only parameter", { key });
    } else {
      const text = writtenText(
        parameter,
        value,
        (reason) => fail(reason, { key }),
      );
      explicit.set(key, text);
    }
  }
  return { explicit };
}

/**
 * Reads an smtpd parameter set in a `[[listener]]` table as its row reads
 * a top-level value: TOML type, `$name` expansion against the values in
 * effect, kind and syntax.
 */
function readOverride(
  name: string,
  value: TomlValue,
  effective: ReadonlyMap<string, string>,
  resolvePath: (path: string) => string,
  fail: (reason: string) => never,
): ParameterValue {
  const parameter = parameterNamed(name);
  if (parameter === undefined) return fail("unknown parameter");
  const text = writtenText(parameter, value, fail);
  try {
    const expanded = expandText(text, (n) => effective.get(n));
    return readParameterValue(parameter, expanded, resolvePath);
  } catch (e) {
    if (e instanceof ValueError || e instanceof ExpansionError) {
      return fail(e.message);
    }
    throw e;
  }
}

/**
 * Reads every expanded value as its kind, into the parameters of `Config`;
 * blames the parameter's line.
 */
function readTyped(
  expanded: ReadonlyMap<string, string>,
  explicit: ReadonlyMap<string, string>,
  resolvePath: (path: string) => string,
  fail: Failure,
): ConfigParameters {
  const typed: Record<string, ParameterValue> = {};
  for (const parameter of PARAMETERS) {
    const { name } = parameter;
    try {
      const text = expanded.get(name) ?? "";
      typed[name] = readParameterValue(parameter, text, resolvePath);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      // A bad default (e.g. an odd system host name) needs a set value.
      const hint = explicit.has(name)
        ? ""
        : `; this is the default, set ${name} to override it`;
      fail(e.message + hint, { key: name });
    }
  }
  // Every row was read above, as its kind: the object has the table's
  // shape (the one place the type system cannot follow a loop).
  return typed as ConfigParameters;
}

function directoryOf(file: string): string {
  return resolve(file, "..");
}

/** Parses the TOML text, turning syntax errors into `ConfigError`. */
function readDocument(text: string, file: string | null): TomlTable {
  try {
    return parseToml(text);
  } catch (e) {
    if (!(e instanceof TomlSyntaxError)) throw e;
    throw new ConfigError(e.message, { file, line: e.line });
  }
}

/** A TOML value as Postfix-style text, checking its TOML type. */
function writtenText(
  parameter: Parameter,
  value: TomlValue,
  fail: (reason: string) => never,
): string {
  const kind = parameter.kind;
  if (typeof value === "string") return value;
  if (kind === "list" && Array.isArray(value)) {
    if (value.every((item) => typeof item === "string")) {
      return value.join(", ");
    }
    return fail("expected an array of strings");
  }
  const numeric = kind === "integer" || kind === "size" ||
    kind === "duration";
  if (numeric && typeof value === "number" && Number.isInteger(value)) {
    return String(value);
  }
  if (kind === "boolean" && typeof value === "boolean") {
    return value ? "yes" : "no";
  }
  const expected = kind === "list"
    ? "a string or an array of strings"
    : numeric
    ? "an integer or a string"
    : kind === "boolean"
    ? "a boolean"
    : "a string";
  return fail(`expected ${expected}, not ${tomlTypeName(value)}`);
}

/** A path made absolute against `base`, keeping a trailing `/` (Maildir). */
function absolutePath(base: string, path: string): string {
  if (path === "") return "";
  const absolute = resolve(base, path);
  return path.endsWith("/") && !absolute.endsWith("/")
    ? `${absolute}/`
    : absolute;
}

/** The default text of every parameter, as `postconf -d` shows it. */
function defaultTexts(
  system: SystemFacts,
  embedded: boolean,
  resolvePath: (path: string) => string,
): Map<string, string> {
  const texts = new Map<string, string>();
  const expander = createExpander((name) => textOf(name));
  const context: DefaultContext = {
    hostname: system.hostname,
    interfaces: system.interfaces,
    value: (name) => expander.parameter(name),
  };
  function textOf(name: string): string | undefined {
    const known = texts.get(name);
    if (known !== undefined) return known;
    const parameter = parameterNamed(name);
    if (parameter === undefined) return undefined;
    let text = defaultText(parameter, context, embedded);
    if (parameter.kind === "path") text = resolvePath(text);
    texts.set(name, text);
    return text;
  }
  for (const name of parameterNames()) textOf(name);
  return texts;
}

/** The values in effect, as written and fully expanded. */
interface EffectiveValues {
  /** Unexpanded: as set, or the default. */
  readonly effective: Map<string, string>;
  readonly expanded: Map<string, string>;
}

/** Finds and expands every parameter's value in effect (set, or default). */
function expandAll(
  explicit: ReadonlyMap<string, string>,
  defaults: ReadonlyMap<string, string>,
  system: SystemFacts,
  embedded: boolean,
  fail: (error: ExpansionError) => never,
): EffectiveValues {
  const effective = new Map<string, string>();
  const expander = createExpander((name) => {
    const parameter = parameterNamed(name);
    if (parameter === undefined) return undefined;
    const computed = typeof parameter.defaultValue === "function" &&
      !(embedded && parameter.embeddedDefault !== undefined);
    // Machine-dependent defaults follow the values in effect.
    const value = explicit.get(name) ??
      (computed
        ? defaultText(parameter, context, embedded)
        : defaults.get(name) ?? "");
    effective.set(name, value);
    return value;
  });
  const context: DefaultContext = {
    hostname: system.hostname,
    interfaces: system.interfaces,
    value: (name) => expander.parameter(name),
  };
  const expanded = new Map<string, string>();
  for (const name of parameterNames()) {
    if (parameterNamed(name)?.expandedAtDelivery) {
      // Its $names are the delivery's ($home, $EXTENSION), not ours.
      const raw = explicit.get(name) ?? defaults.get(name) ?? "";
      effective.set(name, raw);
      expanded.set(name, raw);
      continue;
    }
    try {
      expanded.set(name, expander.parameter(name));
    } catch (e) {
      if (!(e instanceof ExpansionError)) throw e;
      fail(e);
    }
  }
  return { effective, expanded };
}

/** Postfix refuses a minimal backoff above the maximal one. */
function checkBackoff(
  typed: ConfigParameters,
  explicit: ReadonlyMap<string, string>,
  fail: Failure,
): void {
  const minimal = typed.minimal_backoff_time;
  const maximal = typed.maximal_backoff_time;
  if (minimal <= maximal) return;
  if (explicit.has("maximal_backoff_time")) {
    fail(
      `${maximal}s is less than minimal_backoff_time (${minimal}s)`,
      { key: "maximal_backoff_time" },
    );
  }
  fail(
    `${minimal}s is more than maximal_backoff_time (${maximal}s)`,
    { key: "minimal_backoff_time" },
  );
}

/** Freezes an object and every object and array inside it. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) {
    return value;
  }
  for (const item of Object.values(value)) deepFreeze(item);
  return Object.freeze(value);
}
