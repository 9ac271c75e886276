/**
 * mailsrv's resolver in the shape mailauth asks for.
 *
 * DESCRIPTION
 *   mailauth calls `resolver(name, type)` and expects what `node:dns`
 *   `promises.resolve` gives: TXT as arrays of strings, MX as
 *   `{ exchange, priority }`, A/AAAA/PTR/CNAME as strings; and a
 *   rejection whose `code` says why there is none. Deno's `node:dns`
 *   reports SERVFAIL as "no record", which would turn a DNS failure into
 *   SPF `none` or a missing DKIM key (`fail`) instead of `temperror`. So
 *   the answer comes from mailsrv's own resolver (`src/dns/`), which
 *   tells them apart, and is translated:
 *
 *     found      the records
 *     nodata     ENODATA    (a void lookup for SPF, no record for DKIM/DMARC)
 *     nxdomain   ENOTFOUND  (likewise)
 *     tempfail   ESERVFAIL  (SPF, DKIM and DMARC: temperror)
 *
 *   Used by the verifiers of this folder. Network I/O only through the
 *   resolver it is given.
 */
import type { Resolver } from "../dns/resolver.ts";
import type { RecordType } from "../dns/packet.ts";

/**
 * The resolver function mailauth's `resolver` option takes (its type
 * says strings; MX answers are objects, as `node:dns` gives them).
 */
export type MailauthResolver = (
  name: string,
  type: string,
) => Promise<string[][] | string[]>;

const TYPES = new Set(["A", "AAAA", "MX", "TXT", "PTR", "CNAME"]);
const decoder = new TextDecoder();

/** A DNS error as `node:dns` makes them: an Error with a `code`. */
function dnsError(code: string, name: string, type: string): Error {
  const error = new Error(`${type} lookup of "${name}" failed: ${code}`);
  (error as Error & { code: string; hostname: string }).code = code;
  (error as Error & { hostname: string }).hostname = name;
  return error;
}

/** Record data as `node:dns` returns it for `type`. */
function recordValue(type: string, data: unknown): unknown {
  if (type === "TXT") {
    const parts = Array.isArray(data) ? data : [data];
    return parts.map((part) =>
      typeof part === "string" ? part : decoder.decode(part as Uint8Array)
    );
  }
  if (type === "MX") {
    const mx = data as { preference: number; exchange: string };
    return { exchange: mx.exchange, priority: mx.preference };
  }
  return data;
}

/** Wraps `resolver` for mailauth. */
export function mailauthResolver(resolver: Resolver): MailauthResolver {
  return async (name, type) => {
    const rrtype = type.toUpperCase();
    if (!TYPES.has(rrtype)) throw dnsError("ENOTIMP", name, rrtype);
    const answer = await resolver.lookup(name, rrtype as RecordType);
    switch (answer.status) {
      case "found":
        return answer.records
          .filter((r) => r.type === rrtype)
          .map((r) =>
            recordValue(rrtype, (r as { data: unknown }).data)
          ) as string[];
      case "nodata":
        throw dnsError("ENODATA", name, rrtype);
      case "nxdomain":
        throw dnsError("ENOTFOUND", name, rrtype);
      case "tempfail":
        throw dnsError("ESERVFAIL", name, rrtype);
    }
  };
}
