/**
 * The certificate an smtpd session offers, from its configuration.
 *
 * DESCRIPTION
 *   `smtpdTlsContext` names the files of `smtpd_tls_chain_files`, or
 *   `smtpd_tls_cert_file` and `smtpd_tls_key_file`, in a session's
 *   configuration (the listener's overrides included) and gets them from
 *   the per-configuration cache (`net/tls_context_cache.ts`): after a
 *   reload, new sessions read the files anew.
 *
 *   Used by the smtpd listener and by the master's check before a
 *   reload. Needs --allow-read for the files.
 */
import type { Config } from "../config/types.ts";
import type { TlsContext } from "../net/server_tls.ts";
import { tlsContextFor } from "../net/tls_context_cache.ts";

/**
 * The context for a session; null when no certificate is set.
 * @param generation the configuration as loaded (identity per reload)
 * @param config the session's configuration (with listener overrides)
 * @throws Error naming the file when it cannot be read or used
 */
export function smtpdTlsContext(
  generation: object,
  config: Pick<
    Config,
    "smtpd_tls_cert_file" | "smtpd_tls_key_file" | "smtpd_tls_chain_files"
  >,
): Promise<TlsContext | null> {
  return tlsContextFor(generation, {
    cert: config.smtpd_tls_cert_file,
    key: config.smtpd_tls_key_file,
    chain: config.smtpd_tls_chain_files,
    names: {
      cert: "smtpd_tls_cert_file",
      key: "smtpd_tls_key_file",
      chain: "smtpd_tls_chain_files",
    },
  });
}
