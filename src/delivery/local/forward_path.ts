/**
 * forward_path expansion: where a user's `.forward` files are (Postfix
 * local(8) "EXTERNAL FILE DELIVERY", postconf(5) forward_path).
 *
 * DESCRIPTION
 *   Each forward_path entry is a template filled in per delivery:
 *
 *     $name, ${name}     the attribute's value
 *     ${name?text}       text when the attribute is non-empty, else nothing
 *     ${name:text}       text when the attribute is empty, else nothing
 *     $$                 a literal `$`
 *
 *   Attributes: user, home, shell, recipient, local, domain, extension and
 *   recipient_delimiter (the delimiter the address actually used; empty
 *   when it has no extension, so `.forward${recipient_delimiter}${extension}`
 *   becomes `.forward` without one). `text` may itself hold `$name`
 *   references. An unknown name is left as written, so a typo shows up in
 *   the path that is tried.
 *
 *   An extension that could leave the home directory (`/`, a leading `.`,
 *   control characters) is not used: the caller passes it empty.
 *
 *   Pure.
 */

/** The per-delivery values forward_path may refer to. */
export interface ForwardPathAttributes {
  readonly user: string;
  readonly home: string;
  readonly shell: string;
  readonly recipient: string;
  readonly local: string;
  readonly domain: string;
  readonly extension: string;
  readonly recipient_delimiter: string;
}

const REFERENCE =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:([?:])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Fills in one forward_path entry.
 * @param template e.g. `$home/.forward${recipient_delimiter}${extension}`
 */
export function expandForwardPath(
  template: string,
  attributes: ForwardPathAttributes,
): string {
  const values: Readonly<Record<string, string>> = { ...attributes };
  return template.replace(
    REFERENCE,
    (whole, braced?: string, operator?: string, text?: string, bare?) => {
      if (whole === "$$") return "$";
      const name: string = braced ?? bare;
      if (!Object.hasOwn(values, name)) return whole;
      const value = values[name];
      if (operator === "?") {
        return value === "" ? "" : expandForwardPath(text ?? "", attributes);
      }
      if (operator === ":") {
        return value === "" ? expandForwardPath(text ?? "", attributes) : "";
      }
      return value;
    },
  );
}
