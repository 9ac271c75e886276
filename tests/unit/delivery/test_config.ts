/**
 * A complete `Config` for delivery tests, with overrides.
 */
import type { Config } from "../../../src/config/types.ts";
import { baseTestConfig } from "../../helpers/test_config.ts";

/** The embedded-default-like configuration, changed by `overrides`. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return baseTestConfig({
    homeDirectory: "/nonexistent",
    myorigin: "mx.example.org",
    mydestination: ["mx.example.org", "localhost"],
    mynetworks: ["127.0.0.0/8"],
    queue_directory: "/nonexistent/queue",
    mail_spool_directory: "/nonexistent/mail/",
    recipient_delimiter: "+",
    ...overrides,
  });
}
