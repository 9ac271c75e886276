/**
 * The shape of mailsrv's effective configuration.
 *
 * DESCRIPTION
 *   `Config` is the frozen, fully expanded and typed view of the TOML file
 *   (or of the embedded default) that every role reads. Field names are the
 *   Postfix parameter names, so a Postfix how-to maps onto them one to one.
 *   Lists are already split, `$name` references already expanded, paths
 *   already absolute, durations in seconds and sizes in bytes.
 *
 *   The parameters' fields are not written here: they follow from the
 *   parameter table (`parameters.ts`), each typed by its row's kind.
 *
 *   Nothing here does I/O; see `load.ts` for reading and validation.
 */
import type { ListenerKind } from "./listener_kinds.ts";
import type { ConfigParameters } from "./parameters.ts";
import type { SmtpdOverrides } from "./listener_parameters.ts";
import type { TransportService } from "./transports.ts";

/** One `[[listener]]` table: where a service accepts connections. */
export interface Listener {
  /** IP address to bind, e.g. `127.0.0.1`, `0.0.0.0` or `::1`. */
  readonly address: string;
  readonly port: number;
  /**
   * Service kind: `smtp`, `submission` (smtpd on 587, usually with
   * overrides requiring TLS and AUTH), `smtps` (smtpd with implicit TLS),
   * `pop3` (plain, STLS when a certificate is set) or `pop3s` (implicit
   * TLS).
   */
  readonly kind: ListenerKind;
  /**
   * smtpd parameters set in the listener table (`master.cf -o`); only
   * for the smtpd kinds, absent when none is set.
   */
  readonly smtpd?: SmtpdOverrides;
}

/** Policy for bare CR or bare LF in message content (see docs). */
export type BareNewlinePolicy = Config["smtpd_forbid_bare_newline"];

/**
 * The effective configuration (frozen): one field per row of the
 * parameter table, typed by the row's kind, plus where it came from and
 * the listeners.
 */
export interface Config extends ConfigParameters {
  /** Absolute path of the file read, or null for the embedded default. */
  readonly configFile: string | null;
  /** Base for relative paths: `$MAILSRV_HOME` or cwd (embedded default). */
  readonly homeDirectory: string;
  readonly listeners: readonly Listener[];
  /** The `[[transport]]` tables: named smtp, lmtp and pipe services. */
  readonly transports: readonly TransportService[];
  /** The `[[dkim]]` signing keys (empty: nothing is signed). */
  readonly dkim: readonly DkimKeyConfig[];
}

/** One `[[dkim]]` table: a signing key of a domain. */
export interface DkimKeyConfig {
  /** The signing domain (`d=`), lower case. */
  readonly domain: string;
  /** The selector (`s=`), lower case. */
  readonly selector: string;
  /** Absolute path of the PEM private key. */
  readonly privateKeyFile: string;
}
