/**
 * check_policy_service: asks a policy server over TCP or a Unix socket.
 *
 * DESCRIPTION
 *   `createPolicyClient(config)` returns the function smtpd's restriction
 *   lookups call with an endpoint (`inet:host:port`, `unix:/path`) and a
 *   request. Each question opens a connection, sends the request
 *   (`src/policy/policy_protocol.ts`), reads the `action=` reply and
 *   closes; the whole exchange is bounded by
 *   `smtpd_policy_service_timeout`. A server that cannot be reached,
 *   times out, or answers without an action gives
 *   `smtpd_policy_service_default_action` (Postfix's `451 4.3.5 Server
 *   configuration problem`), with a warning in the maillog.
 *
 *   Used by smtpd (wired in by the master). Needs net access to the
 *   policy server (or read-write access to its socket).
 *
 *   Does NOT keep connections open between requests (Postfix reuses
 *   them for smtpd_policy_service_max_idle).
 */
import type { Config } from "../config/types.ts";
import { maillog } from "../log/maillog.ts";
import {
  encodePolicyRequest,
  parsePolicyReply,
} from "../policy/policy_protocol.ts";
import type { RestrictionRequest } from "../policy/restrictions/mod.ts";
import { VERSION } from "../version.ts";

const log = maillog("smtpd");
const REPLY_LIMIT = 64 * 1024;

/** Where a policy server listens. */
export type PolicyEndpoint =
  | {
    readonly transport: "tcp";
    readonly hostname: string;
    readonly port: number;
  }
  | { readonly transport: "unix"; readonly path: string };

/** Reads `inet:host:port`, `inet:[v6]:port` or `unix:/path`; null if neither. */
export function parsePolicyEndpoint(text: string): PolicyEndpoint | null {
  if (text.startsWith("unix:")) {
    const path = text.slice(5);
    return path === "" ? null : { transport: "unix", path };
  }
  const match = /^inet:(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (match === null) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  return { transport: "tcp", hostname: match[1] ?? match[2], port };
}

let instances = 0;

/** The function smtpd calls for check_policy_service. */
export function createPolicyClient(
  config: () => Config,
): (endpoint: string, request: RestrictionRequest) => Promise<string> {
  return async (endpoint, request) => {
    const c = config();
    try {
      const action = await askPolicyServer(
        endpoint,
        encodePolicyRequest(request, {
          instance: `${Date.now().toString(16)}.${(++instances).toString(16)}`,
          mailVersion: VERSION,
        }),
        c.smtpd_policy_service_timeout * 1000,
      );
      if (action !== null) return action;
      log.warning(`policy service ${endpoint} answered without an action`);
    } catch (e) {
      log.warning(
        `problem talking to policy service ${endpoint}: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
    return c.smtpd_policy_service_default_action;
  };
}

/**
 * Sends one request and reads the action.
 * @throws Error when the server cannot be reached, closes early or is too slow
 */
export async function askPolicyServer(
  endpoint: string,
  request: string,
  timeoutMs: number,
): Promise<string | null> {
  const where = parsePolicyEndpoint(endpoint);
  if (where === null) throw new Error(`bad policy endpoint "${endpoint}"`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let conn: Deno.Conn | undefined;
  const closeOnAbort = () => {
    try {
      conn?.close();
    } catch {
      // Already closed.
    }
  };
  controller.signal.addEventListener("abort", closeOnAbort);
  try {
    conn = where.transport === "tcp"
      ? await Deno.connect({ hostname: where.hostname, port: where.port })
      : await Deno.connect({ transport: "unix", path: where.path });
    if (controller.signal.aborted) throw new Error("timeout");
    const bytes = new TextEncoder().encode(request);
    for (let sent = 0; sent < bytes.length;) {
      sent += await conn.write(bytes.subarray(sent));
    }
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    let text = "";
    for (;;) {
      const n = await conn.read(buffer).catch((e) => {
        if (controller.signal.aborted) throw new Error("timeout");
        throw e;
      });
      if (n === null) throw new Error("connection closed before the reply");
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
      const reply = parsePolicyReply(text);
      if (reply !== undefined) return reply.action;
      if (text.length > REPLY_LIMIT) throw new Error("reply too long");
    }
  } catch (e) {
    if (controller.signal.aborted) {
      throw new Error(`timeout after ${timeoutMs / 1000}s`);
    }
    throw e;
  } finally {
    clearTimeout(timer);
    controller.signal.removeEventListener("abort", closeOnAbort);
    closeOnAbort();
  }
}
