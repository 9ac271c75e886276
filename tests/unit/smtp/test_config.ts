/**
 * A `Config` for smtpd unit tests: local domains `example.org` and
 * `localhost`, loopback in `mynetworks`, Postfix's default limits.
 */
import type { Config } from "../../../src/config/types.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

/** A complete Config literal; `overrides` replace single parameters. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return baseTestConfig(overrides);
}
