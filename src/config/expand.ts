/**
 * Postfix-style `$name` expansion of parameter values.
 *
 * DESCRIPTION
 *   A value may refer to other parameters as `$name`, `${name}` or
 *   `$(name)`; `$$` stands for a literal `$`. As in Postfix's
 *   `mac_expand`, `${name?text}` gives `text` when `name` is not empty and
 *   `${name:text}` gives `text` when it is empty; `text` is expanded too.
 *   References are expanded recursively; each parameter is expanded once
 *   per expander and remembered.
 *
 *   A parameter that (directly or not) refers to itself is an error naming
 *   the chain, `$myhostname -> $myorigin -> $myhostname`; so is a
 *   reference to an unknown name, and a `$` not followed by a name.
 *
 *   Used by the config loader. Pure: values come from a lookup function.
 *
 *   Does NOT split lists or convert types; that happens after expansion.
 */

/** Returns the unexpanded value of a parameter, or undefined if unknown. */
export type ParameterLookup = (name: string) => string | undefined;

/** A reference that cannot be expanded. */
export class ExpansionError extends Error {
  /**
   * The parameters being expanded when the problem was found, outermost
   * first; for a loop it ends with the parameter seen twice.
   */
  readonly chain: readonly string[];
  /** The name that has no value, for an unknown reference. */
  readonly unknownName: string | undefined;

  constructor(
    reason: string,
    chain: readonly string[],
    unknownName?: string,
  ) {
    super(reason);
    this.name = "ExpansionError";
    this.chain = chain;
    this.unknownName = unknownName;
  }
}

/** Expands parameters and texts against one lookup, remembering results. */
export interface Expander {
  /** The fully expanded value of parameter `name`. */
  parameter(name: string): string;
  /** `text` with every reference expanded. */
  text(text: string): string;
}

const NAME = /[A-Za-z0-9_]+/y;
const REFERENCE = /^([A-Za-z0-9_]+)(?:([?:])([\s\S]*))?$/;

/** Index of the bracket closing the one at `open`, or -1. */
function closingIndex(text: string, open: number): number {
  const opener = text[open];
  const closer = opener === "{" ? "}" : ")";
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === opener) depth++;
    else if (text[i] === closer && --depth === 0) return i;
  }
  return -1;
}

function chainText(names: readonly string[]): string {
  return names.map((name) => `$${name}`).join(" -> ");
}

/** Creates an expander over `lookup`. */
export function createExpander(lookup: ParameterLookup): Expander {
  const done = new Map<string, string>();
  const stack: string[] = [];

  function parameter(name: string): string {
    const known = done.get(name);
    if (known !== undefined) return known;
    if (stack.includes(name)) {
      const chain = [...stack, name];
      const loop = chain.slice(stack.indexOf(name));
      throw new ExpansionError(
        `parameter loop: ${chainText(loop)}`,
        chain,
      );
    }
    // On the stack before the lookup: a computed default may expand others.
    stack.push(name);
    try {
      const raw = lookup(name);
      if (raw === undefined) {
        throw new ExpansionError(
          `unknown parameter "$${name}"`,
          stack.slice(0, -1),
          name,
        );
      }
      const value = text(raw);
      done.set(name, value);
      return value;
    } finally {
      stack.pop();
    }
  }

  function reference(inner: string, whole: string): string {
    const match = REFERENCE.exec(inner);
    if (match === null) {
      throw new ExpansionError(`bad parameter reference "${whole}"`, [
        ...stack,
      ]);
    }
    const [, name, operator, conditional] = match;
    const value = parameter(name);
    if (operator === undefined) return value;
    const wanted = operator === "?" ? value !== "" : value === "";
    return wanted ? text(conditional) : "";
  }

  function text(input: string): string {
    const parts: string[] = [];
    let at = 0;
    while (at < input.length) {
      const dollar = input.indexOf("$", at);
      if (dollar === -1) {
        parts.push(input.slice(at));
        break;
      }
      parts.push(input.slice(at, dollar));
      const next = input[dollar + 1];
      if (next === "$") {
        parts.push("$");
        at = dollar + 2;
      } else if (next === "{" || next === "(") {
        const close = closingIndex(input, dollar + 1);
        if (close === -1) {
          throw new ExpansionError(
            `unbalanced "${next}" in "${input}"`,
            [...stack],
          );
        }
        parts.push(
          reference(
            input.slice(dollar + 2, close),
            input.slice(dollar, close + 1),
          ),
        );
        at = close + 1;
      } else {
        NAME.lastIndex = dollar + 1;
        const name = NAME.exec(input);
        if (name === null) {
          throw new ExpansionError(
            `"$" not followed by a parameter name in "${input}" (write "$$" for a literal "$")`,
            [...stack],
          );
        }
        parts.push(parameter(name[0]));
        at = dollar + 1 + name[0].length;
      }
    }
    return parts.join("");
  }

  return { parameter, text };
}

/** The fully expanded value of parameter `name`. */
export function expandParameter(name: string, lookup: ParameterLookup): string {
  return createExpander(lookup).parameter(name);
}

/** `text` with every `$name` reference expanded. */
export function expandText(text: string, lookup: ParameterLookup): string {
  return createExpander(lookup).text(text);
}
