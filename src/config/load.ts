/**
 * Finding and reading the configuration.
 *
 * DESCRIPTION
 *   `loadConfig` returns the frozen `Config` every role reads:
 *
 *   - with `path` (the `--config` option), that file, which must exist;
 *   - else `/etc/mailsrv/mailsrv.toml` if it exists;
 *   - else the embedded default: everything under `$MAILSRV_HOME` (or the
 *     working directory) in `var/`, SMTP on 127.0.0.1:2525, `localhost`
 *     as the local domain, Maildir delivery, any local part accepted.
 *
 *   `loadConfigAndView` also returns the view `mailsrv postconf` shows.
 *   Problems are `ConfigError`s naming file, line and key; see
 *   `parse_config.ts` for the rules and `toml_mistakes.ts` for the
 *   explanations added to main.cf habits that TOML rejects.
 *
 *   Used by every role at start and on reload. Needs read permission for
 *   the configuration file and `--allow-sys=hostname` (and, for
 *   mynetworks_style subnet or class, `networkInterfaces`); without them
 *   the defaults fall back to `localhost` and the loopback networks.
 *
 *   Does NOT watch the file or reload by itself.
 */
import { resolve } from "node:path";
import { ConfigError } from "./config_error.ts";
import {
  checkListenerRestrictionLists,
  checkRestrictionLists,
} from "./restriction_check.ts";
import type { Config } from "./types.ts";
import { parseConfig, type ParsedConfig } from "./parse_config.ts";
import { readSystemFacts, type SystemFacts } from "./system_facts.ts";
import { explainTomlMistake } from "./toml_mistakes.ts";

export { ConfigError } from "./config_error.ts";

/** The configuration file read when no path is given, if it exists. */
export const DEFAULT_CONFIG_FILE = "/etc/mailsrv/mailsrv.toml";

/** Where to find the configuration. */
export interface LoadOptions {
  /** The configuration file (`--config`); relative to `cwd`. */
  readonly path?: string;
  /** Environment; only `MAILSRV_HOME` is read. Default: the process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Working directory. Default: the process's. */
  readonly cwd?: string;
  /** The file tried when `path` is not given. Default: `/etc/mailsrv/…`. */
  readonly defaultFile?: string;
  /** Machine facts for the defaults. Default: read from the system. */
  readonly system?: SystemFacts;
}

/** Reads the configuration; throws `ConfigError` on any problem. */
export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  return (await loadConfigAndView(options)).config;
}

/** Reads the configuration and the view `mailsrv postconf` shows. */
export async function loadConfigAndView(
  options: LoadOptions = {},
): Promise<ParsedConfig> {
  const cwd = options.cwd ?? Deno.cwd();
  const home = options.env
    ? options.env.MAILSRV_HOME
    : Deno.env.get("MAILSRV_HOME");
  const homeDirectory = resolve(cwd, home || ".");
  const system = options.system ?? readSystemFacts();
  const file = options.path === undefined
    ? await existingFile(options.defaultFile ?? DEFAULT_CONFIG_FILE)
    : resolve(cwd, options.path);
  const text = file === null ? "" : await readConfigFile(file);
  try {
    const parsed = parseConfig({ file, text, homeDirectory, system });
    checkRestrictionLists(parsed.config, file);
    checkListenerRestrictionLists(parsed.config, file);
    return parsed;
  } catch (e) {
    throw explainTomlMistake(e, text);
  }
}

/** `path` if a file exists there, else null. */
async function existingFile(path: string): Promise<string | null> {
  try {
    await Deno.stat(path);
    return path;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ConfigError("configuration file not found", { file });
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new ConfigError("configuration file not readable", { file });
    }
    if (e instanceof Deno.errors.IsADirectory) {
      throw new ConfigError("configuration file is a directory", { file });
    }
    throw e;
  }
}
