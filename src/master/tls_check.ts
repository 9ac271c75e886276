/**
 * Before a reload is applied: can every listener's certificate be used?
 *
 * DESCRIPTION
 *   A reload keeps listeners whose address and kind did not change, so
 *   their starters do not run again; `checkListenerTls` loads the
 *   certificates the new configuration names for every listener (the
 *   pop3 files, an smtpd listener's own or the global smtpd files) into
 *   the per-configuration cache. A file that cannot be read or a key that
 *   does not match refuses the reload, and the daemon keeps its previous
 *   configuration; otherwise the new sessions find the contexts loaded.
 *
 *   Used by the master's reload. Needs --allow-read for the files.
 */
import type { Config } from "../config/types.ts";
import { isSmtpdKind, listenerConfig } from "../config/listener_parameters.ts";
import { pop3TlsContext } from "../pop3/server.ts";
import { smtpdTlsContext } from "../smtp/smtpd_tls_context.ts";

/**
 * Loads the certificate of every listener of `config`.
 * @throws Error naming the parameter and file that cannot be used
 */
export async function checkListenerTls(config: Config): Promise<void> {
  for (const listener of config.listeners) {
    const where =
      `${listener.kind} listener ${listener.address}:${listener.port}`;
    if (isSmtpdKind(listener.kind)) {
      const session = listenerConfig(config, listener);
      const context = await smtpdTlsContext(config, session);
      if (context === null && session.smtpd_tls_wrappermode) {
        throw new Error(`the ${where} needs smtpd_tls_cert_file`);
      }
    } else {
      const context = await pop3TlsContext(config);
      if (context === null && listener.kind === "pop3s") {
        throw new Error(`the ${where} needs pop3_tls_cert_file`);
      }
    }
  }
}
