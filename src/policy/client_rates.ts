/**
 * Per-client connection and rate limits, as Postfix's anvil(8) keeps them.
 *
 * DESCRIPTION
 *   `createClientLimits` answers, for one client address:
 *
 *     connect   simultaneous connections over
 *               smtpd_client_connection_count_limit, or connections per
 *               anvil_rate_time_unit over smtpd_client_connection_rate_limit:
 *               421 4.7.0 HOST Error: too many connections from ADDR
 *     message   MAIL FROM commands per time unit over
 *               smtpd_client_message_rate_limit:
 *               450 4.7.1 Error: too much mail from ADDR
 *     auth      AUTH commands per time unit over smtpd_client_auth_rate_limit:
 *               450 4.7.1 Error: too many AUTH commands from ADDR
 *
 *   A limit of 0 is no limit; clients in
 *   smtpd_client_event_limit_exceptions are never limited. The refusal
 *   comes with the warning Postfix logs (`Connection rate limit exceeded:
 *   5 from unknown[192.0.2.1] for service smtp`). Simultaneous
 *   connections are counted in this process; rates in the shared state
 *   (`shared_state.ts`, table `rate-*`), so they survive restarts and can
 *   later be shared by several hosts.
 *
 *   Used by smtpd's adapter; the AUTH counter is for the AUTH command.
 *   No I/O of its own.
 */
import { inNetworks } from "./networks.ts";
import type { SharedState } from "./shared_state.ts";

/** The parameters the limits read. */
export interface ClientLimitSettings {
  readonly myhostname: string;
  readonly smtpd_client_connection_count_limit: number;
  readonly smtpd_client_connection_rate_limit: number;
  readonly smtpd_client_message_rate_limit: number;
  readonly smtpd_client_auth_rate_limit: number;
  readonly anvil_rate_time_unit: number;
  readonly smtpd_client_event_limit_exceptions: readonly string[];
}

/** A refused event: the reply and the warning to log. */
export interface LimitRefusal {
  readonly code: number;
  readonly dsn: string;
  readonly text: string;
  readonly warning: string;
}

/** A connection that was let in; `release` when it ends. */
export interface ClientConnection {
  readonly refusal: LimitRefusal | null;
  release(): void;
}

/** The limits for all clients of one service. */
export interface ClientLimits {
  connect(address: string, label: string): Promise<ClientConnection>;
  message(address: string, label: string): Promise<LimitRefusal | null>;
  auth(address: string, label: string): Promise<LimitRefusal | null>;
}

/**
 * Creates the limits.
 * @param settings read at each event (configuration reloads apply)
 * @param now clock in milliseconds (tests inject one)
 */
export function createClientLimits(
  state: SharedState,
  settings: () => ClientLimitSettings,
  service = "smtp",
  now: () => number = Date.now,
): ClientLimits {
  const open = new Map<string, number>();
  const exempt = (address: string, s: ClientLimitSettings) =>
    inNetworks(address, s.smtpd_client_event_limit_exceptions);
  const rate = async (
    table: string,
    address: string,
    limit: number,
    s: ClientLimitSettings,
  ): Promise<number | null> => {
    if (limit <= 0 || exempt(address, s)) return null;
    const n = await state.count(
      table,
      address,
      now(),
      s.anvil_rate_time_unit * 1000,
    );
    return n > limit ? n : null;
  };
  return {
    async connect(address, label) {
      const s = settings();
      const count = (open.get(address) ?? 0) + 1;
      open.set(address, count);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const left = (open.get(address) ?? 1) - 1;
        if (left <= 0) open.delete(address);
        else open.set(address, left);
      };
      const tooMany = (warning: string): ClientConnection => ({
        refusal: {
          code: 421,
          dsn: "4.7.0",
          text: `${s.myhostname} Error: too many connections from ${address}`,
          warning,
        },
        release,
      });
      // Every connection counts towards the rate, refused ones too.
      const n = await rate(
        "rate-connection",
        address,
        s.smtpd_client_connection_rate_limit,
        s,
      );
      const countLimit = s.smtpd_client_connection_count_limit;
      if (countLimit > 0 && count > countLimit && !exempt(address, s)) {
        return tooMany(
          `Connection concurrency limit exceeded: ${count} from ${label} for service ${service}`,
        );
      }
      if (n !== null) {
        return tooMany(
          `Connection rate limit exceeded: ${n} from ${label} for service ${service}`,
        );
      }
      return { refusal: null, release };
    },
    async message(address, label) {
      const s = settings();
      const n = await rate(
        "rate-message",
        address,
        s.smtpd_client_message_rate_limit,
        s,
      );
      return n === null ? null : {
        code: 450,
        dsn: "4.7.1",
        text: `Error: too much mail from ${address}`,
        warning:
          `Message delivery request rate limit exceeded: ${n} from ${label} for service ${service}`,
      };
    },
    async auth(address, label) {
      const s = settings();
      const n = await rate(
        "rate-auth",
        address,
        s.smtpd_client_auth_rate_limit,
        s,
      );
      return n === null ? null : {
        code: 450,
        dsn: "4.7.1",
        text: `Error: too many AUTH commands from ${address}`,
        warning:
          `AUTH command rate limit exceeded: ${n} from ${label} for service ${service}`,
      };
    },
  };
}
