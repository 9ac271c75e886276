/**
 * Domain lists: is a domain named by virtual_mailbox_domains or
 * relay_domains?
 *
 * DESCRIPTION
 *   The items of a domain-list parameter are domain names, `/file/name`
 *   lists, or `type:name` tables. A `hash:` or `texthash:` table is read
 *   as a list: the first column of every line that is not blank or a
 *   comment (`example.com` alone or `example.com  OK`, as the vm-pop3d
 *   recipe and Postfix's relay_domains tables write it); other table
 *   types list a domain when they have a value for it. Domains match
 *   case-insensitively, without a trailing dot.
 *
 *   With `parents`, a domain also matches when one of its parent domains
 *   is listed: `example.com` names `mx.example.com` too. Postfix matches
 *   so for the parameters in parent_domain_matches_subdomains, which by
 *   default holds relay_domains but not virtual_mailbox_domains.
 *
 *   Items are tried in order; the first that matches decides, so a table
 *   that cannot be read after a matching name is never consulted.
 *
 *   Used by the virtual lookups (`virtual_maps.ts`) and the routing
 *   lookups (`routing_lookups.ts`). Lists and tables are opened once and
 *   follow their files.
 *
 * DIAGNOSTICS
 *   A list file or table that cannot be read throws LookupTableError.
 */
import type { MapCache, MapOptions } from "../maps/mod.ts";
import { type WatchedFile, watchFile } from "../maps/watched_file.ts";

/** The domain lists of a configuration, with the files they keep open. */
export interface DomainLists {
  /**
   * True when one of `items` lists `domain` (or, with `parents`, one of
   * its parent domains).
   * @throws LookupTableError when a list file or table cannot be read
   */
  matches(
    items: readonly string[],
    domain: string,
    options?: { readonly parents?: boolean },
  ): Promise<boolean>;
}

/** The file of a domain-list item read as a list, if it is one. */
function listFileOf(item: string): string | undefined {
  if (item.startsWith("/")) return item;
  const match = /^(hash|texthash):(.+)$/.exec(item);
  return match ? match[2] : undefined;
}

/** A domain folded for comparison: lower case, no trailing dot. */
function fold(domain: string): string {
  return domain.toLowerCase().replace(/\.$/, "");
}

/** The first column of every line of a domain list, folded. */
export function parseDomainList(text: string): ReadonlySet<string> {
  const domains = new Set<string>();
  for (const line of text.split("\n")) {
    const first = line.trim().split(/\s+/)[0];
    if (first === "" || first.startsWith("#")) continue;
    domains.add(fold(first));
  }
  return domains;
}

/**
 * `mx.example.com` → `["mx.example.com", "example.com", "com"]`: the
 * domain, then each parent domain, nearest first.
 */
export function domainAndParents(domain: string): string[] {
  const names: string[] = [];
  const labels = domain.split(".");
  for (let at = 0; at < labels.length; at++) {
    names.push(labels.slice(at).join("."));
  }
  return names;
}

/** Creates domain lists over `tables`; they live as long as their owner. */
export function createDomainLists(
  tables: MapCache,
  options: Pick<MapOptions, "clock"> = {},
): DomainLists {
  const lists = new Map<string, WatchedFile<ReadonlySet<string>>>();
  const clock = options.clock ?? Date.now;

  function domainList(item: string, path: string) {
    let list = lists.get(path);
    if (!list) {
      list = watchFile(path, parseDomainList, { spec: item, clock });
      lists.set(path, list);
    }
    return list;
  }

  /** True when `item` lists one of `names` (already folded). */
  async function itemLists(item: string, names: string[]): Promise<boolean> {
    const file = listFileOf(item);
    if (file !== undefined) {
      const listed = await domainList(item, file).current();
      return names.some((name) => listed.has(name));
    }
    if (item.includes(":")) {
      const table = tables.open(item);
      for (const name of names) {
        if ((await table.lookup(name)) !== undefined) return true;
      }
      return false;
    }
    return names.includes(fold(item));
  }

  return {
    async matches(items, domain, options = {}) {
      const wanted = fold(domain);
      if (wanted === "") return false;
      const names = options.parents ? domainAndParents(wanted) : [wanted];
      for (const item of items) {
        if (await itemLists(item, names)) return true;
      }
      return false;
    },
  };
}
