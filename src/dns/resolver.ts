/**
 * The DNS resolver: one question, an answer that knows "does not exist"
 * from "could not find out".
 *
 * DESCRIPTION
 *   `createResolver()` asks the servers of resolv.conf directly (Deno's
 *   `resolveDns` and `node:dns` report NXDOMAIN, SERVFAIL and "no data"
 *   alike, so mail could not tell bounce from defer). Each lookup has one
 *   of four outcomes, as Postfix's `dns_lookup()` sorts them:
 *
 *     found     records of the asked type (after the CNAME chain)
 *     nodata    the name exists but has no such record
 *     nxdomain  the name does not exist (RCODE 3): permanent
 *     tempfail  SERVFAIL, REFUSED, a malformed answer, timeouts, or no
 *               server reachable: try again later (an offline dial-up
 *               box keeps its mail)
 *
 *   Each round asks the servers in order (`rotate`: starting one further
 *   each query), each for `timeout`, over UDP with EDNS0 (1232 octets,
 *   RFC 9715 guidance); a truncated answer is asked again over TCP. An
 *   answer counts only if its id, question and the server match; a
 *   FORMERR is retried once without EDNS0. NXDOMAIN from a server ends
 *   the lookup; any other failure moves on to the next server, and after
 *   `attempts` rounds the lookup is a tempfail naming the last reason.
 *
 *   resolv.conf is followed on every lookup (`resolv_conf.ts`).
 *
 *   Used by outbound routing (MX), and meant for every other DNS user
 *   (RBL, SPF, DKIM). Needs net access to the DNS servers and read access
 *   to resolv.conf.
 *
 *   Does NOT cache (as Postfix, it leaves that to the local resolver),
 *   validate DNSSEC, or apply resolv.conf's search list.
 */
import {
  type Answer,
  decode,
  encode,
  type Packet,
  type RecordType,
  RECURSION_DESIRED,
  TRUNCATED_RESPONSE,
} from "./packet.ts";
import {
  type NameServer,
  type ResolvConfSource,
  watchResolvConf,
} from "./resolv_conf.ts";
import { askTcp, askUdp, DnsTransportError } from "./transport.ts";

/** The outcome of one lookup. */
export type DnsLookup =
  | {
    readonly status: "found";
    /** The owner name of the records (the end of the CNAME chain). */
    readonly name: string;
    readonly records: readonly Answer[];
  }
  | { readonly status: "nodata" }
  | { readonly status: "nxdomain" }
  | { readonly status: "tempfail"; readonly reason: string };

/** Asks the DNS. */
export interface Resolver {
  /** Looks up the records of `type` for `name` (with or without the final dot). */
  lookup(name: string, type: RecordType): Promise<DnsLookup>;
}

/** How `createResolver` finds and asks its servers. */
export interface ResolverOptions {
  /** resolv.conf as it is now (default: follow /etc/resolv.conf). */
  readonly resolvConf?: ResolvConfSource;
  /** Random 16-bit query ids (tests fix them). */
  readonly randomId?: () => number;
}

const MAX_CNAME_HOPS = 8;
const EDNS_PAYLOAD = 1232;

/** A domain name compared as DNS compares them. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function randomQueryId(): number {
  return crypto.getRandomValues(new Uint16Array(1))[0];
}

function queryPacket(
  id: number,
  name: string,
  type: RecordType,
  edns: boolean,
): Uint8Array {
  const query: Packet = {
    type: "query",
    id,
    flags: RECURSION_DESIRED,
    questions: [{ type, name, class: "IN" }],
  };
  if (edns) {
    query.additionals = [{
      type: "OPT",
      name: ".",
      udpPayloadSize: EDNS_PAYLOAD,
      extendedRcode: 0,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options: [],
    }];
  }
  return encode(query);
}

type Decoded = Packet & { rcode?: string };

/** The decoded answer if it answers this query, else undefined. */
function matching(
  bytes: Uint8Array,
  id: number,
  name: string,
  type: RecordType,
): Decoded | undefined {
  let answer: Decoded;
  try {
    answer = decode(bytes);
  } catch {
    return undefined;
  }
  const question = answer.questions?.[0];
  if (answer.type !== "response" || answer.id !== id || !question) {
    return undefined;
  }
  if (canonicalName(question.name) !== canonicalName(name)) return undefined;
  return question.type === type ? answer : undefined;
}

/** Follows the CNAME chain from `name` and takes the records of `type`. */
export function recordsOf(
  answers: readonly Answer[],
  name: string,
  type: RecordType,
): { name: string; records: Answer[] } {
  let owner = canonicalName(name);
  for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
    const records = answers.filter((a) =>
      a.type === type && canonicalName(a.name) === owner
    );
    if (records.length > 0 || type === "CNAME") return { name: owner, records };
    const alias = answers.find((a) =>
      a.type === "CNAME" && canonicalName(a.name) === owner
    );
    if (!alias || alias.type !== "CNAME") break;
    owner = canonicalName(alias.data);
  }
  return { name: owner, records: [] };
}

type ServerVerdict = DnsLookup | { readonly status: "next"; reason: string };

/** Asks one server; "next" when another server should be asked. */
async function askServer(
  server: NameServer,
  name: string,
  type: RecordType,
  timeout: number,
  randomId: () => number,
): Promise<ServerVerdict> {
  for (const edns of [true, false]) {
    const id = randomId();
    const query = queryPacket(id, name, type, edns);
    let answer: Decoded | undefined;
    try {
      const bytes = await askUdp(
        server,
        query,
        timeout,
        (bytes) => matching(bytes, id, name, type) !== undefined,
      );
      answer = matching(bytes, id, name, type)!;
      if ((answer.flags ?? 0) & TRUNCATED_RESPONSE) {
        answer = matching(await askTcp(server, query, timeout), id, name, type);
        if (!answer) {
          return { status: "next", reason: "malformed answer over TCP" };
        }
      }
    } catch (error) {
      if (error instanceof DnsTransportError) {
        return { status: "next", reason: error.message };
      }
      throw error;
    }
    const rcode = answer.rcode ?? "NOERROR";
    if (rcode === "FORMERR" && edns) continue;
    if (rcode === "NXDOMAIN") return { status: "nxdomain" };
    if (rcode !== "NOERROR") {
      return { status: "next", reason: `${rcode} from ${server.address}` };
    }
    const found = recordsOf(answer.answers ?? [], name, type);
    return found.records.length > 0
      ? { status: "found", ...found }
      : { status: "nodata" };
  }
  return { status: "next", reason: `FORMERR from ${server.address}` };
}

/** Creates the resolver; it holds no sockets between lookups. */
export function createResolver(options: ResolverOptions = {}): Resolver {
  const resolvConf = options.resolvConf ??
    watchResolvConf("/etc/resolv.conf");
  const randomId = options.randomId ?? randomQueryId;
  let next = 0;
  return {
    async lookup(name, type) {
      const conf = resolvConf();
      const servers = conf.servers;
      const first = conf.rotate ? next++ % servers.length : 0;
      let reason = "no DNS server to ask";
      for (let round = 0; round < conf.attempts; round++) {
        for (let i = 0; i < servers.length; i++) {
          const server = servers[(first + i) % servers.length];
          const verdict = await askServer(
            server,
            name,
            type,
            conf.timeout,
            randomId,
          );
          if (verdict.status !== "next") return verdict;
          reason = verdict.reason;
        }
      }
      return { status: "tempfail", reason };
    },
  };
}
