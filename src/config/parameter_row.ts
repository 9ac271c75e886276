/**
 * The shape of a parameter table row, and the value type each row gives.
 *
 * DESCRIPTION
 *   A row says how a parameter is read (its kind, its item syntax, its
 *   minimum), what its default is as Postfix writes it, and one line of
 *   description. `ValueOf<row>` is the type the row's value has in
 *   `Config` (a number for integers, sizes and durations, a list of
 *   strings, one of an enum's values, ...), and `ParameterValues<rows>`
 *   the object type of a whole table, so `Config` follows from the table
 *   (`types.ts`) and a parameter is added by adding one row.
 *
 *   Used by the parameter table (`parameters.ts` and `parameters/`), the
 *   value reader and the config loader. Types only, no values.
 *
 *   Does NOT hold any rows; see `parameters.ts`.
 */
import type { InterfaceAddress } from "../policy/networks.ts";

/**
 * What each kind of parameter holds in `Config`, once read: durations in
 * seconds, sizes in bytes, paths absolute, lists split.
 */
export interface KindValues {
  readonly string: string;
  readonly list: readonly string[];
  readonly integer: number;
  readonly size: number;
  readonly duration: number;
  readonly boolean: boolean;
  readonly enum: string;
  readonly path: string;
}

/** How a parameter's value is read. */
export type ParameterKind = keyof KindValues;

/** The syntax each item of a value must have, beyond its kind. */
export type ItemSyntax =
  | "domain"
  | "network"
  | "interface"
  | "lookup-table"
  | "domain-or-table"
  | "relative-path"
  | "receive-override";

/** What a computed default may depend on. */
export interface DefaultContext {
  /** The machine's host name as the system reports it. */
  readonly hostname: string;
  /** The machine's interface addresses (may be empty). */
  readonly interfaces: readonly InterfaceAddress[];
  /** The expanded value of another parameter, as it is in effect. */
  value(name: string): string;
}

/** What every row has, whatever its kind. */
interface RowFields {
  /** The Postfix parameter name; the `Config` field of the same name. */
  readonly name: string;
  /** Postfix-style default text, or how to compute it on this machine. */
  readonly defaultValue: string | ((context: DefaultContext) => string);
  /**
   * The embedded default's value where it differs from `defaultValue`;
   * relative paths are under the mailsrv home directory.
   */
  readonly embeddedDefault?: string;
  /** May not be set in the configuration file. */
  readonly readOnly?: boolean;
  /**
   * Left unexpanded at load: its `$name`s are filled in per delivery by
   * the local delivery agent (Postfix's forward_path, mailbox_command).
   */
  readonly expandedAtDelivery?: boolean;
  /**
   * Accepted so that a Postfix configuration reads unchanged, but nothing
   * in mailsrv uses it: why (`mailsrv postconf` says so when it is set).
   */
  readonly noEffect?: string;
  /** One line for `mailsrv postconf` help and the documentation. */
  readonly description: string;
}

/** A string or list parameter, optionally with a syntax for its items. */
interface TextRow extends RowFields {
  readonly kind: "string" | "list";
  /** Syntax of the value (or of each list item). */
  readonly syntax?: ItemSyntax;
  readonly values?: never;
  readonly minimum?: never;
}

/** A number: a count, a size in bytes or a duration in seconds. */
interface NumberRow extends RowFields {
  readonly kind: "integer" | "size" | "duration";
  /** Smallest number allowed; 1 if not given. */
  readonly minimum?: number;
  readonly syntax?: never;
  readonly values?: never;
}

/** One of a fixed set of words. */
interface EnumRow extends RowFields {
  readonly kind: "enum";
  /** The allowed values; the `Config` type is their union. */
  readonly values: readonly [string, ...string[]];
  readonly syntax?: never;
  readonly minimum?: never;
}

/** A yes/no switch or a path (made absolute; empty only if the default is). */
interface PlainRow extends RowFields {
  readonly kind: "boolean" | "path";
  readonly syntax?: never;
  readonly values?: never;
  readonly minimum?: never;
}

/** One configuration parameter: a row of the parameter table. */
export type Parameter = TextRow | NumberRow | EnumRow | PlainRow;

/** The type a row's value has in `Config`. */
export type ValueOf<P extends Parameter> = P extends {
  readonly kind: "enum";
  readonly values: readonly (infer Word)[];
} ? Word
  : KindValues[P["kind"]];

/** Any parameter's value, as read. */
export type ParameterValue = ValueOf<Parameter>;

/**
 * The object type of a table: one read-only field per row, named and
 * typed by the row. The rows must be written `as const` so that names and
 * enum values stay literal.
 */
export type ParameterValues<Rows extends readonly Parameter[]> = {
  readonly [P in Rows[number] as P["name"]]: ValueOf<P>;
};
