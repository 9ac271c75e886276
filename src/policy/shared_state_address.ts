/**
 * The `shared_state` parameter: which store holds the shared state.
 *
 * DESCRIPTION
 *   `parseSharedStateAddress` reads one of
 *
 *     (empty)                 the embedded SQLite file under the queue
 *                             directory (private/shared-state.sqlite)
 *     sqlite:/path/file       an SQLite file elsewhere (one host only)
 *     redis://[[user]:password@]host[:port][/db]
 *     rediss://…              the same over TLS
 *     redis-sentinel://[[user]:password@]host:port[,host:port…]/master[/db]
 *                             the master Sentinel names `master`, asked of
 *                             any listed Sentinel (failover follows)
 *     redis-cluster://[[user]:password@]host:port[,host:port…]
 *                             a Redis Cluster (database 0 only)
 *
 *   The port defaults to 6379 (26379 for a Sentinel), the database to 0.
 *   A password may be percent-encoded. IPv6 hosts go in brackets.
 *
 *   Used by `open_shared_state.ts` and the configuration check. Pure.
 *
 *   Does NOT connect anywhere.
 */

/** A Redis node. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** Where the shared state lives. */
export type SharedStateAddress =
  | { readonly kind: "sqlite"; readonly path: string | undefined }
  | {
    readonly kind: "redis" | "sentinel" | "cluster";
    readonly nodes: readonly RedisNode[];
    /** The Sentinel master name. */
    readonly master?: string;
    readonly db: number;
    readonly username?: string;
    readonly password?: string;
    readonly tls: boolean;
  };

const SCHEMES: Record<string, "redis" | "sentinel" | "cluster"> = {
  "redis": "redis",
  "rediss": "redis",
  "redis-sentinel": "sentinel",
  "redis-cluster": "cluster",
};

/**
 * Reads a `shared_state` value.
 * @throws Error naming the value when it cannot be read
 */
export function parseSharedStateAddress(text: string): SharedStateAddress {
  const value = text.trim();
  if (value === "") return { kind: "sqlite", path: undefined };
  const fail = (why: string): never => {
    throw new Error(`shared_state "${redact(value)}": ${why}`);
  };
  if (value.startsWith("sqlite:")) {
    const path = value.slice("sqlite:".length);
    if (!path.startsWith("/")) fail("the SQLite file must be an absolute path");
    return { kind: "sqlite", path };
  }
  const scheme = /^([a-z-]+):\/\/(.*)$/.exec(value);
  if (!scheme || !(scheme[1] in SCHEMES)) {
    return fail(
      "expected sqlite:/path, redis://, rediss://, redis-sentinel:// or redis-cluster://",
    );
  }
  const kind = SCHEMES[scheme[1]];
  let rest = scheme[2];
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    const credentials = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = credentials.indexOf(":");
    const user = colon < 0 ? "" : credentials.slice(0, colon);
    const secret = colon < 0 ? credentials : credentials.slice(colon + 1);
    username = user === "" ? undefined : decodeURIComponent(user);
    password = secret === "" ? undefined : decodeURIComponent(secret);
  }
  const [hostList, ...path] = rest.split("/");
  const defaultPort = kind === "sentinel" ? 26379 : 6379;
  const nodes = hostList.split(",").map((h) => parseNode(h, defaultPort, fail));
  if (kind === "redis" && nodes.length !== 1) {
    fail("redis:// takes one host; use redis-sentinel:// or redis-cluster://");
  }
  let master: string | undefined;
  if (kind === "sentinel") {
    master = path.shift();
    if (!master) {
      fail("redis-sentinel:// needs the master name after the hosts");
    }
  }
  const dbText = path.shift() ?? "";
  if (path.length > 0) fail("too many path parts");
  const db = dbText === "" ? 0 : Number(dbText);
  if (!/^\d*$/.test(dbText) || !(db >= 0 && db <= 15)) {
    fail(`database "${dbText}" is not a number from 0 to 15`);
  }
  if (kind === "cluster" && db !== 0) fail("Redis Cluster has database 0 only");
  return {
    kind,
    nodes,
    master,
    db,
    username,
    password,
    tls: scheme[1] === "rediss",
  };
}

/** The address without its password, for logs. */
export function redact(text: string): string {
  return text.replace(/\/\/([^@/]*:)[^@/]*@/, "//$1***@");
}

function parseNode(
  text: string,
  defaultPort: number,
  fail: (why: string) => never,
): RedisNode {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(text);
  if (!m) return fail(`"${text}" is not host or host:port`);
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (!(port >= 1 && port <= 65535)) fail(`port "${m[3]}" is out of range`);
  return { host: m[1] ?? m[2], port };
}
