/**
 * smtpd's stress-adaptive settings (Postfix's `${stress?…}` defaults).
 *
 * DESCRIPTION
 *   While its listener is under stress (`net/session_listener.ts`: 80% of
 *   default_process_limit in use), a session uses `smtpd_stress_timeout`
 *   for smtpd_timeout, `smtpd_stress_hard_error_limit` for
 *   smtpd_hard_error_limit and `smtpd_stress_junk_command_limit` for
 *   smtpd_junk_command_limit, each only where it is the stricter, so
 *   idle and misbehaving clients give their sessions to new ones.
 *
 *   Used by smtpd's adapter (`connection.ts`). Pure.
 */
import type { Config } from "../config/types.ts";

/** `config` with the stress-adaptive values in force. */
export function stressAdapted(config: Config): Config {
  return {
    ...config,
    smtpd_timeout: Math.min(config.smtpd_timeout, config.smtpd_stress_timeout),
    smtpd_hard_error_limit: Math.min(
      config.smtpd_hard_error_limit,
      config.smtpd_stress_hard_error_limit,
    ),
    smtpd_junk_command_limit: Math.min(
      config.smtpd_junk_command_limit,
      config.smtpd_stress_junk_command_limit,
    ),
  };
}
