/**
 * mailsrv configuration: TOML with Postfix parameter names.
 *
 * DESCRIPTION
 *   The public API of `src/config/`: `loadConfig` for every role, the
 *   `Config` shape, `ConfigError`, the parameter table, and the
 *   `mailsrv postconf` logic (`renderParameters`, `editConfigFile`).
 *   Other modules of the folder are internal.
 */
export type { BareNewlinePolicy, Config, Listener } from "./types.ts";
export { ConfigError, type ConfigErrorLocation } from "./config_error.ts";
export {
  DEFAULT_CONFIG_FILE,
  loadConfig,
  loadConfigAndView,
  type LoadOptions,
} from "./load.ts";
export {
  type ConfigSource,
  type ConfigView,
  parseConfig,
  type ParsedConfig,
} from "./parse_config.ts";
export {
  type ConfigParameters,
  type DefaultContext,
  type ItemSyntax,
  MAIL_NAME,
  type Parameter,
  type ParameterKind,
  type ParameterName,
  parameterNamed,
  parameterNames,
  PARAMETERS,
  type ParameterValues,
  type ValueOf,
} from "./parameters.ts";
export { noEffectNotice, noEffectWarnings } from "./no_effect.ts";
export {
  createExpander,
  type Expander,
  expandParameter,
  expandText,
  ExpansionError,
  type ParameterLookup,
} from "./expand.ts";
export {
  editConfigFile,
  type RenderOptions,
  renderParameters,
} from "./postconf.ts";
export type { EditOptions } from "./edit_config_file.ts";
export { LISTENER_KINDS } from "./listeners.ts";
export { readSystemFacts, type SystemFacts } from "./system_facts.ts";
export { didYouMean, suggestName } from "./suggest.ts";
