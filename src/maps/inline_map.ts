/**
 * `inline:` tables: key=value pairs written in the configuration itself.
 *
 * DESCRIPTION
 *   Postfix syntax:
 *
 *     inline:{ key1=value1, key2=value2 }
 *     inline:{ { key = value with spaces, or commas }, key3=value3 }
 *
 *   Elements are separated by commas or whitespace. An element wrapped in
 *   braces may hold whitespace and commas; whitespace around its `=` is
 *   ignored. Keys are case-insensitive; a repeated key keeps its last value,
 *   as in Postfix.
 *
 *   The table is parsed once, when opened; a syntax error is a
 *   configuration error and throws, naming the spec.
 */
import type { LookupTable } from "./lookup_table.ts";

const SEPARATOR = /[\s,]/;

/** Splits `text` into top-level elements, keeping braces balanced. */
function elements(text: string, fail: (why: string) => never): string[] {
  const result: string[] = [];
  let index = 0;
  while (index < text.length) {
    if (SEPARATOR.test(text[index])) {
      index++;
      continue;
    }
    const start = index;
    let depth = 0;
    while (
      index < text.length && (depth > 0 || !SEPARATOR.test(text[index]))
    ) {
      if (text[index] === "{") depth++;
      if (text[index] === "}" && --depth < 0) fail('unexpected "}"');
      index++;
    }
    if (depth > 0) fail('missing "}"');
    result.push(text.slice(start, index));
  }
  return result;
}

/**
 * Parses the text after `inline:` into its entries.
 * @param body e.g. `{ key=value, { key2 = a b } }`
 * @param spec the full spec, for errors
 * @returns lower-cased key → value
 * @throws Error naming the spec when the syntax is wrong
 */
export function parseInlineTable(
  body: string,
  spec: string,
): Map<string, string> {
  const fail = (why: string): never => {
    throw new Error(`bad inline table "${spec}": ${why}`);
  };
  const outer = /^\{([\s\S]*)\}$/.exec(body.trim());
  if (!outer) fail('expected "inline:{ key=value, … }"');
  const entries = new Map<string, string>();
  for (const element of elements(outer![1], fail)) {
    const braced = /^\{([\s\S]*)\}$/.exec(element);
    const text = braced ? braced[1] : element;
    const equals = text.indexOf("=");
    if (equals < 0) fail(`missing "=" in "${element}"`);
    const key = text.slice(0, equals).trim().toLowerCase();
    if (key === "") fail(`missing key in "${element}"`);
    entries.set(key, text.slice(equals + 1).trim());
  }
  if (entries.size === 0) fail("empty table");
  return entries;
}

/**
 * Opens an `inline:` table.
 * @param spec the full `inline:{…}`, for messages
 * @param body the text after `inline:`
 * @throws Error naming the spec when the syntax is wrong
 */
export function openInlineMap(spec: string, body: string): LookupTable {
  const entries = parseInlineTable(body, spec);
  return {
    spec,
    lookup: (key) => Promise.resolve(entries.get(key.toLowerCase())),
  };
}
