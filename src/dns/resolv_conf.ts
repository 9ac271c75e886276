/**
 * resolv.conf(5): which DNS servers to ask, and how patiently.
 *
 * DESCRIPTION
 *   `parseResolvConf(text)` reads the lines the resolver needs:
 *
 *     nameserver ADDR           up to three, in order (IPv4 or IPv6)
 *     options timeout:N         seconds per try (default 5, at most 30)
 *     options attempts:N        rounds over all servers (default 2, at most 5)
 *     options rotate            start each query at the next server
 *
 *   As a mailsrv extension (for a dnsmasq or unbound on another port, and
 *   for tests), a nameserver may carry a port: `127.0.0.1:5353` or
 *   `[::1]:5353`. `search`, `domain` and `ndots` do not apply: mail
 *   domains are always fully qualified. With no nameserver line the
 *   local host is asked (127.0.0.1, as the C library does).
 *
 *   `watchResolvConf(path)` re-reads the file when it changes — a dial-up
 *   link rewrites it on ip-up, and mailsrv has no chroot with a stale
 *   copy (the Postfix how-tos' trap). The check is one stat per query.
 *
 *   Pure parser; the watcher reads the file. Used by the resolver.
 */
import { isIP } from "node:net";

/** A DNS server to ask. */
export interface NameServer {
  readonly address: string;
  readonly port: number;
}

/** What the resolver takes from resolv.conf. */
export interface ResolvConf {
  readonly servers: readonly NameServer[];
  /** Milliseconds to wait for one answer from one server. */
  readonly timeout: number;
  /** Rounds over the servers before giving up. */
  readonly attempts: number;
  readonly rotate: boolean;
}

const MAX_SERVERS = 3;

/** The C library's defaults, and its fallback to the local host. */
export const DEFAULT_RESOLV_CONF: ResolvConf = {
  servers: [{ address: "127.0.0.1", port: 53 }],
  timeout: 5000,
  attempts: 2,
  rotate: false,
};

/** Reads a `nameserver` argument; undefined when it is not an address. */
export function parseNameServer(text: string): NameServer | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return server(bracketed[1], bracketed[2]);
  const withPort = /^([0-9.]+):(\d{1,5})$/.exec(text);
  if (withPort) return server(withPort[1], withPort[2]);
  return server(text, undefined);
}

function server(address: string, port: string | undefined) {
  // A zone index (fe80::1%eth0) is kept for the socket, checked without it.
  if (isIP(address.replace(/%.*$/, "")) === 0) return undefined;
  const number = port === undefined ? 53 : Number(port);
  if (number < 1 || number > 65535) return undefined;
  return { address, port: number };
}

function bounded(value: string, low: number, high: number): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  return Math.min(Math.max(Number(value), low), high);
}

/** Parses the text of a resolv.conf file. */
export function parseResolvConf(text: string): ResolvConf {
  const servers: NameServer[] = [];
  let { timeout, attempts, rotate } = DEFAULT_RESOLV_CONF;
  for (const raw of text.split("\n")) {
    const words = raw.replace(/[#;].*$/, "").trim().split(/\s+/);
    if (words[0] === "nameserver" && words[1] !== undefined) {
      const found = parseNameServer(words[1]);
      if (found && servers.length < MAX_SERVERS) servers.push(found);
    } else if (words[0] === "options") {
      for (const option of words.slice(1)) {
        const [name, value = ""] = option.split(":", 2);
        if (name === "timeout") {
          timeout = (bounded(value, 1, 30) ?? timeout / 1000) * 1000;
        } else if (name === "attempts") {
          attempts = bounded(value, 1, 5) ?? attempts;
        } else if (name === "rotate") {
          rotate = true;
        }
      }
    }
  }
  return {
    servers: servers.length > 0 ? servers : DEFAULT_RESOLV_CONF.servers,
    timeout,
    attempts,
    rotate,
  };
}

/** resolv.conf as it is now on disk. */
export type ResolvConfSource = () => ResolvConf;

/**
 * Follows the file at `path`: re-read when its inode, size or change time
 * moves. A missing or unreadable file gives the C library's defaults.
 */
export function watchResolvConf(path: string): ResolvConfSource {
  let seen = "";
  let current = DEFAULT_RESOLV_CONF;
  return () => {
    let stamp: string;
    try {
      const info = Deno.statSync(path);
      stamp =
        `${info.ino}:${info.size}:${info.mtime?.getTime()}:${info.ctime?.getTime()}`;
    } catch {
      stamp = "missing";
    }
    if (stamp !== seen) {
      seen = stamp;
      try {
        current = parseResolvConf(Deno.readTextFileSync(path));
      } catch {
        current = DEFAULT_RESOLV_CONF;
      }
    }
    return current;
  };
}
