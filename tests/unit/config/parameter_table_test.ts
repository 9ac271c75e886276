/**
 * The parameter table is the one source: every row is a `Config` field of
 * its kind's type, holds the row's default when nothing is set, and is
 * shown by `postconf -d` with that default.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { readParameterValue } from "../../../src/config/parameter_value.ts";
import {
  type ConfigParameters,
  type DefaultContext,
  defaultText,
  type Parameter,
  parameterNames,
  PARAMETERS,
} from "../../../src/config/parameters.ts";
import { parseConfig } from "../../../src/config/parse_config.ts";
import { renderParameters } from "../../../src/config/postconf.ts";
import type { SystemFacts } from "../../../src/config/system_facts.ts";
import type { Config, Listener } from "../../../src/config/types.ts";

const FILE = "/etc/mailsrv/mailsrv.toml";
const HOME = "/srv/home";
const SYSTEM: SystemFacts = { hostname: "mx.example.com", interfaces: [] };

/** The configuration of an empty file, or of no file (embedded). */
function parsed(embedded: boolean) {
  return parseConfig({
    file: embedded ? null : FILE,
    text: "",
    homeDirectory: HOME,
    system: SYSTEM,
  });
}

/** `path` made absolute against `base`; empty stays empty, a `/` stays. */
function underBase(base: string, path: string): string {
  if (path === "") return "";
  const absolute = resolve(base, path);
  return path.endsWith("/") && !absolute.endsWith("/")
    ? `${absolute}/`
    : absolute;
}

/** Whether `value` is what a parameter of `row`'s kind holds in Config. */
function holdsKind(row: Parameter, value: unknown): boolean {
  switch (row.kind) {
    case "integer":
    case "size":
    case "duration":
      return Number.isSafeInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "list":
      return Array.isArray(value) &&
        value.every((item) => typeof item === "string");
    case "enum":
      return row.values.some((word) => word === value);
    case "string":
    case "path":
      return typeof value === "string";
  }
}

for (const embedded of [false, true]) {
  const source = embedded ? "no file" : "an empty file";

  Deno.test(`${source}: every row is a Config field holding its default`, () => {
    const { config, view } = parsed(embedded);
    const fields = new Map(Object.entries(config));
    assert.deepEqual(
      [...fields.keys()].sort(),
      [
        ...parameterNames(),
        "configFile",
        "homeDirectory",
        "listeners",
        "transports",
        "dkim",
      ].sort(),
    );
    const base = embedded ? HOME : "/etc/mailsrv";
    for (const row of PARAMETERS) {
      const value = fields.get(row.name);
      assert.ok(holdsKind(row, value), `${row.name} = ${value}`);
      assert.equal(view.effective.get(row.name), view.defaults.get(row.name));
      const text = view.expanded.get(row.name);
      assert.ok(text !== undefined, row.name);
      assert.deepEqual(
        value,
        readParameterValue(row, text, (path) => underBase(base, path)),
        row.name,
      );
    }
  });

  Deno.test(`${source}: postconf -d shows every row with its default`, () => {
    const { view } = parsed(embedded);
    const lines = renderParameters(view, { defaults: true }).split("\n");
    const base = embedded ? HOME : "/etc/mailsrv";
    const context: DefaultContext = {
      hostname: SYSTEM.hostname,
      interfaces: SYSTEM.interfaces,
      value: (name) => view.expanded.get(name) ?? "",
    };
    for (const row of PARAMETERS) {
      let text = defaultText(row, context, embedded);
      if (row.kind === "path") text = underBase(base, text);
      const expected = text === "" ? `${row.name} =` : `${row.name} = ${text}`;
      assert.ok(lines.includes(expected), expected);
    }
  });
}

/** True when A and B are the same type. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;

Deno.test("Config's fields are typed by their rows' kinds", () => {
  // Checked when the test is compiled: a wrong type does not build.
  const checks: true[] = [
    true satisfies Same<Config["message_size_limit"], number>,
    true satisfies Same<Config["smtpd_timeout"], number>,
    true satisfies Same<Config["mydestination"], readonly string[]>,
    true satisfies Same<Config["owner_request_special"], boolean>,
    true satisfies Same<Config["queue_directory"], string>,
    true satisfies Same<
      Config["mynetworks_style"],
      "host" | "subnet" | "class"
    >,
    true satisfies Same<
      Config["pop3_plaintext_logins"],
      "never" | "loopback" | "always"
    >,
    true satisfies Same<Config["listeners"], readonly Listener[]>,
    // Names stay literal: no catch-all string index.
    true satisfies Same<string extends keyof ConfigParameters ? 1 : 0, 0>,
  ];
  assert.ok(checks.every((check) => check));
});
