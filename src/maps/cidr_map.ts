/**
 * `cidr:` tables: client addresses matched against networks, first match.
 *
 * DESCRIPTION
 *   The format of Postfix's cidr_table(5):
 *
 *     # comment
 *     192.0.2.0/24        REJECT
 *     [2001:db8::]/32     OK
 *     198.51.100.7        DUNNO      a bare address is a host network
 *     10.0.0.0/8          long value
 *         continued       whitespace continues the previous line
 *
 *   A lookup key that is an IP address gets the value of the first
 *   network (in file order) that contains it; any other key finds
 *   nothing. IPv4-mapped IPv6 keys match IPv4 networks. A line whose
 *   network does not parse is skipped with a warning naming the file and
 *   line, as Postfix does. The file is re-read when it changes.
 *
 *   Used by smtpd (`check_client_access cidr:…`, `mynetworks`) through
 *   `openMap`. Needs read permission on the file.
 *
 *   Does NOT support `!` negation or `if`/`endif` blocks.
 */
import type { LookupTable, MapOptions } from "./lookup_table.ts";
import { maillog } from "../log/maillog.ts";
import { watchFile } from "./watched_file.ts";
import {
  type Network,
  networkContains,
  NetworkSyntaxError,
  parseCidr,
  parseIpAddress,
} from "../policy/networks.ts";

/** One rule of a cidr table. */
export interface CidrRule {
  readonly network: Network;
  readonly value: string;
}

/** A parsed cidr table and the warnings about skipped lines. */
export interface ParsedCidrTable {
  readonly rules: readonly CidrRule[];
  readonly warnings: readonly string[];
}

/** Parses cidr_table(5) text; `file` names it in warnings. */
export function parseCidrTable(text: string, file: string): ParsedCidrTable {
  const rules: CidrRule[] = [];
  const warnings: string[] = [];
  const lines: Array<{ text: string; number: number }> = [];
  text.split("\n").forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    if (/^\s/.test(line) && lines.length > 0) {
      lines[lines.length - 1].text += " " + trimmed;
      return;
    }
    lines.push({ text: trimmed, number: index + 1 });
  });
  for (const line of lines) {
    const match = /^(\S+)\s+(.+)$/.exec(line.text);
    if (match === null) {
      warnings.push(
        `"${file}", line ${line.number}: expected "network/prefix result"`,
      );
      continue;
    }
    try {
      rules.push({ network: parseCidr(match[1]), value: match[2].trim() });
    } catch (e) {
      if (!(e instanceof NetworkSyntaxError)) throw e;
      warnings.push(`"${file}", line ${line.number}: ${e.message}`);
    }
  }
  return { rules, warnings };
}

/** The value of the first rule whose network holds `key`, if any. */
export function cidrLookup(
  rules: readonly CidrRule[],
  key: string,
): string | undefined {
  const address = parseIpAddress(key);
  if (address === undefined) return undefined;
  return rules.find((rule) => networkContains(rule.network, address))?.value;
}

/**
 * Opens a cidr table file. Nothing is read until the first lookup.
 * @param spec the full `cidr:path`, for messages
 */
export function openCidrMap(
  spec: string,
  path: string,
  options: MapOptions = {},
): LookupTable {
  const log = options.log ?? maillog("maps");
  const file = watchFile(path, (text) => {
    const parsed = parseCidrTable(text, path);
    for (const warning of parsed.warnings) log.warning(warning);
    return parsed.rules;
  }, { spec, clock: options.clock ?? Date.now, log });
  return {
    spec,
    async lookup(key: string): Promise<string | undefined> {
      return cidrLookup(await file.current(), key);
    },
  };
}
