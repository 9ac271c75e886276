/**
 * Rewriting a Postfix parameter value into what mailsrv reads.
 *
 * DESCRIPTION
 *   Three rewrites, each reporting what it did:
 *
 *   - `$name` references to parameters mailsrv does not have
 *     (`$config_directory`, `$mua_client_restrictions`) are replaced by
 *     their main.cf value (config_directory: the directory imported);
 *     references to mailsrv's own parameters stay for mailsrv to expand.
 *   - Lookup tables: `hash:`, `btree:`, `dbm:`, `lmdb:`, `cdb:` name a
 *     file compiled by postmap from a text source; mailsrv reads that
 *     source, so each becomes `hash:SOURCE` (a `.db` suffix dropped).
 *     `proxy:` is dropped. Types mailsrv cannot read (`regexp:`, `pcre:`,
 *     `mysql:`, …) are removed from the list, reported.
 *   - Restriction lists: the how-tos' old idioms become what they mean —
 *     `check_client_access hash:…/pop-before-smtp` (the external
 *     pop-before-smtp daemon's table) is the built-in
 *     `permit_pop_before_smtp`; `check_relay_domains` is
 *     `permit_mynetworks, reject_unauth_destination`; restrictions
 *     mailsrv lacks are removed, reported.
 *
 *   Used by `translate.ts`. Pure: whether a file exists is asked of the
 *   caller's `fileExists`.
 */
import {
  parseRestrictionList,
  RESTRICTION_ARITY,
  RestrictionListError,
} from "../policy/restrictions/mod.ts";
import { parameterNamed } from "../config/parameters.ts";
import { splitList } from "../config/values.ts";

/** What a rewrite says about a value. */
export interface ValueNote {
  /** `note`: translated with a change; `dropped`: part of it left out. */
  readonly kind: "note" | "dropped";
  readonly text: string;
}

/** What the rewrites need to know about the Postfix installation. */
export interface ValueContext {
  /** main.cf's settings (unexpanded). */
  readonly mainCf: ReadonlyMap<string, { readonly value: string }>;
  /** The directory imported (`config_directory`). */
  readonly directory: string;
  /** Whether a file exists (the CLI asks the file system). */
  readonly fileExists: (path: string) => boolean;
}

/** A rewritten value and what was done to it. */
export interface Rewritten {
  readonly value: string;
  readonly notes: ValueNote[];
}

const REFERENCE = /\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g;

/** Expands references to parameters mailsrv does not have. */
export function expandForeignReferences(
  value: string,
  context: ValueContext,
  notes: ValueNote[],
  depth = 0,
): string {
  return value.replace(REFERENCE, (whole, braced, bare) => {
    const name: string = braced ?? bare;
    if (parameterNamed(name) !== undefined || depth > 10) return whole;
    let text: string | undefined;
    if (name === "config_directory") text = context.directory;
    else text = context.mainCf.get(name)?.value;
    if (text === undefined) return whole;
    notes.push({
      kind: "note",
      text: `$${name} expanded to "${text}" (not a mailsrv parameter)`,
    });
    return expandForeignReferences(text, context, notes, depth + 1);
  });
}

/** Table types postmap compiles from a text source. */
const COMPILED = new Set(["hash", "btree", "dbm", "sdbm", "lmdb", "cdb"]);
/** Table types mailsrv reads as they are. */
const AS_IS = new Set(["texthash", "cidr", "static", "inline", "unix"]);

/**
 * The mailsrv table for a Postfix table, or a reason it has none.
 * @returns `{ spec }` (with an optional note) or `{ reason }`
 */
export function translateTable(
  spec: string,
  context: ValueContext,
): { spec: string; note?: string } | { reason: string } {
  const unproxied = spec.replace(/^proxy:/, "");
  const colon = unproxied.indexOf(":");
  const type = unproxied.slice(0, colon);
  const name = unproxied.slice(colon + 1);
  if (AS_IS.has(type)) return { spec: unproxied };
  if (!COMPILED.has(type)) {
    return {
      reason: `${type}: tables are not supported by mailsrv (it reads ` +
        `hash/texthash text sources, cidr, static, inline and unix tables)`,
    };
  }
  const source = name.replace(/\.db$/, "");
  const missing = !context.fileExists(source);
  const notes = [
    ...(type === "hash" && spec === unproxied && name === source ? [] : [
      `${spec} is read from its text source hash:${source}`,
    ]),
    ...(missing && context.fileExists(`${source}.db`)
      ? [
        `only ${source}.db exists: mailsrv reads the text source ${source}; recreate it (postmap -s ${type}:${source} > ${source})`,
      ]
      : missing
      ? [`${source} does not exist`]
      : []),
  ];
  return {
    spec: `hash:${source}`,
    ...(notes.length ? { note: notes.join("; ") } : {}),
  };
}

/** Whether `word` looks like a `type:name` lookup table. */
function isTableSpec(word: string): boolean {
  return /^[a-z0-9]+:\S/.test(word) && !word.startsWith("inet:");
}

/** Rewrites every table of a table list (alias_maps, virtual_mailbox_maps). */
export function rewriteTableList(
  value: string,
  context: ValueContext,
  notes: ValueNote[],
): string {
  const kept: string[] = [];
  for (const item of splitList(value)) {
    if (!isTableSpec(item)) {
      kept.push(item);
      continue;
    }
    const table = translateTable(item, context);
    if ("reason" in table) {
      notes.push({
        kind: "dropped",
        text: `${item} left out: ${table.reason}`,
      });
      continue;
    }
    if (table.note) notes.push({ kind: "note", text: table.note });
    kept.push(table.spec);
  }
  return kept.join(", ");
}

/** Whether mailsrv knows restriction `word` (any arity). */
function knownRestriction(word: string): boolean {
  try {
    parseRestrictionList("list", [word, "static:x"]);
    return true;
  } catch (e) {
    if (!(e instanceof RestrictionListError)) throw e;
    return e.problem !== `unknown restriction "${word}"`;
  }
}

/** Rewrites a restriction list (smtpd_*_restrictions). */
export function rewriteRestrictions(
  value: string,
  context: ValueContext,
  notes: ValueNote[],
): string {
  const words = splitList(value);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const next = words[i + 1] ?? "";
    const lower = word.toLowerCase();
    if (lower === "check_client_access" && /pop-?before-?smtp/i.test(next)) {
      out.push("permit_pop_before_smtp");
      notes.push({
        kind: "note",
        text: `"check_client_access ${next}" (the pop-before-smtp daemon's ` +
          `table) became the built-in permit_pop_before_smtp`,
      });
      i++;
    } else if (lower === "check_relay_domains") {
      if (!out.includes("permit_mynetworks")) out.push("permit_mynetworks");
      out.push("reject_unauth_destination");
      notes.push({
        kind: "note",
        text: "check_relay_domains (removed from Postfix) became " +
          '"permit_mynetworks, reject_unauth_destination": clients in ' +
          "relay_domains are no longer allowed to relay by name; add " +
          "permit_sasl_authenticated or permit_pop_before_smtp for roaming users",
      });
    } else if (isTableSpec(word)) {
      out.push(word); // a restriction's argument, handled with it
    } else if (!knownRestriction(lower)) {
      const takesTable = isTableSpec(next);
      notes.push({
        kind: "dropped",
        text: `${word}${takesTable ? ` ${next}` : ""} left out: not a ` +
          `restriction mailsrv has (smtpd_restriction_classes are not supported either)`,
      });
      if (takesTable) i++;
    } else if (
      lower === "check_policy_service" && !/^inet:.+:\d+$|^unix:\//.test(next)
    ) {
      notes.push({
        kind: "dropped",
        text: `check_policy_service ${next} left out: mailsrv starts no ` +
          `policy servers (master.cf spawn) and reaches them only at ` +
          `inet:host:port or unix:/absolute/path`,
      });
      i++;
    } else if (lower.startsWith("check_") && isTableSpec(next)) {
      const table = translateTable(next, context);
      if ("reason" in table) {
        notes.push({
          kind: "dropped",
          text: `${word} ${next} left out: ${table.reason}`,
        });
      } else {
        if (table.note) notes.push({ kind: "note", text: table.note });
        out.push(`${word} ${table.spec}`);
      }
      i++;
    } else {
      // A known restriction and its arguments (a DNS zone, an endpoint).
      const arity = RESTRICTION_ARITY[lower] ?? 0;
      out.push([word, ...words.slice(i + 1, i + 1 + arity)].join(" "));
      i += arity;
      if (lower === "check_policy_service" && /:10023$/.test(next)) {
        notes.push({
          kind: "note",
          text: `check_policy_service ${next} (postgrey's port) kept; ` +
            `mailsrv also has a built-in greylist, check_greylist`,
        });
      }
    }
  }
  return out.join(", ");
}

/** Names of the restriction list parameters. */
const RESTRICTION_LIST = /^smtpd_\w+_restrictions$/;

/**
 * Rewrites the value of parameter `name` (a mailsrv parameter) as set in
 * main.cf or a master.cf `-o`.
 */
export function rewriteValue(
  name: string,
  value: string,
  context: ValueContext,
): Rewritten {
  const notes: ValueNote[] = [];
  let text = expandForeignReferences(value, context, notes);
  const syntax = parameterNamed(name)?.syntax;
  if (RESTRICTION_LIST.test(name)) {
    text = rewriteRestrictions(text, context, notes);
  } else if (syntax === "lookup-table" || syntax === "domain-or-table") {
    text = rewriteTableList(text, context, notes);
  }
  return { value: text, notes };
}
