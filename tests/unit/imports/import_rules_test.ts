import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  findCycles,
  findForbiddenImports,
  findRuleCycles,
  graphOf,
  type ImportRules,
  importSpecifiers,
  readImportGraph,
} from "./import_graph.ts";
import {
  EXCEPTIONS,
  FOLDER_RULES,
  ROLES,
  SHARED_LEAVES,
} from "./import_rules.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const RULES: ImportRules = { folders: FOLDER_RULES, exceptions: EXCEPTIONS };

Deno.test("layout: no import loop between files of src/ and main.ts", async () => {
  const cycles = findCycles(await readImportGraph(ROOT));
  assert.deepEqual(
    cycles.map((loop) => loop.join(" -> ")),
    [],
    `import loops:\n${cycles.map((c) => `  ${c.join(" -> ")}`).join("\n")}`,
  );
});

Deno.test("layout: every import keeps the import rules", async () => {
  const forbidden = findForbiddenImports(await readImportGraph(ROOT), RULES);
  assert.deepEqual(
    forbidden.map((f) => `${f.from} -> ${f.to}`),
    [],
    `imports that break the rules (tests/unit/imports/import_rules.ts):\n${
      forbidden.map((f) => `  ${f.from} -> ${f.to}: ${f.rule}`).join("\n")
    }`,
  );
});

Deno.test("layout: the graph reader sees the imports that tie files", async () => {
  const graph = await readImportGraph(ROOT);
  assert.ok(graph.has("main.ts"));
  assert.deepEqual(graph.get("main.ts")?.map((t) => t.to), [
    "src/cli/dispatch.ts",
    "src/cli/invoked_as.ts",
  ]);
  const smtpd = graph.get("src/smtp/connection.ts") ?? [];
  assert.ok(smtpd.some((t) => t.to === "src/net/line_reader.ts"));
  assert.ok(
    smtpd.some((t) => t.to === "src/queue/enqueue.ts" && t.typeOnly),
    "import type is told apart",
  );
});

Deno.test("layout: every folder of src/ has a rule; the shared leaves have no loop", async () => {
  const folders = new Set<string>();
  for await (const entry of Deno.readDir(`${ROOT}/src`)) {
    folders.add(
      entry.isDirectory ? entry.name : entry.name.replace(/\.ts$/, ""),
    );
  }
  for (const folder of folders) {
    assert.ok(FOLDER_RULES[folder], `no import rule for src/${folder}`);
  }
  assert.deepEqual(findRuleCycles(RULES, SHARED_LEAVES), []);
  for (const leaf of SHARED_LEAVES) {
    for (const role of [...ROLES, "master", "cli"]) {
      assert.ok(!FOLDER_RULES[leaf].may.includes(role), `${leaf} -> ${role}`);
    }
  }
});

Deno.test("import specifiers: relative ones, statements only, type-only told apart", () => {
  const source = [
    "/**",
    ' * import { not } from "./in_a_comment.ts";',
    " */",
    'import { a } from "./a.ts";',
    'import type { B } from "../b/b.ts";',
    "import {",
    "  type C,",
    "  type D,",
    '} from "./cd.ts";',
    'import { type E, e } from "./e.ts";',
    'export { f } from "./f.ts";',
    'export type { G } from "./g.ts";',
    'import tls from "node:tls";',
    'import "./side_effect.ts";',
  ].join("\n");
  assert.deepEqual(importSpecifiers(source), [
    { specifier: "./a.ts", typeOnly: false },
    { specifier: "../b/b.ts", typeOnly: true },
    { specifier: "./cd.ts", typeOnly: true },
    { specifier: "./e.ts", typeOnly: false },
    { specifier: "./f.ts", typeOnly: false },
    { specifier: "./g.ts", typeOnly: true },
    { specifier: "./side_effect.ts", typeOnly: false },
  ]);
});

Deno.test("cycle check: reports a loop between files, path printed", () => {
  const graph = graphOf({
    "src/smtp/session.ts": ["src/smtp/commands.ts", "src/smtp/replies.ts"],
    "src/smtp/commands.ts": ["src/smtp/transitions.ts"],
    "src/smtp/transitions.ts": ["src/smtp/session.ts"],
    "src/smtp/replies.ts": [],
    "src/pop3/tls.ts": ["src/pop3/tls.ts"],
  });
  assert.deepEqual(findCycles(graph), [
    [
      "src/smtp/commands.ts",
      "src/smtp/transitions.ts",
      "src/smtp/session.ts",
      "src/smtp/commands.ts",
    ],
    ["src/pop3/tls.ts", "src/pop3/tls.ts"],
  ]);
  assert.deepEqual(
    findCycles(graphOf({ "a.ts": ["b.ts"], "b.ts": [], "c.ts": ["b.ts"] })),
    [],
  );
});

const TINY: ImportRules = {
  folders: {
    common: { may: [], why: "a leaf" },
    smtp: {
      may: ["common"],
      files: [{ to: ["src/queue/types.ts"] }],
      why: "leaves and the gate",
    },
    queue: { may: ["common"], why: "leaves" },
    delivery: {
      may: ["common"],
      files: [{ to: ["src/queue/types.ts"], typeOnly: true }],
      why: "leaves and gate types",
    },
    cli: { may: ["smtp"], importedOnlyBy: ["main.ts"], why: "anything" },
    main: { may: ["cli"], why: "the CLI" },
  },
  exceptions: [],
};

Deno.test("rule check: a forbidden edge is reported with its rule; allowed ones are not", () => {
  const graph = graphOf({
    "main.ts": ["src/cli/main.ts"],
    "src/cli/main.ts": ["src/smtp/server.ts"],
    "src/smtp/server.ts": [
      "src/common/calendar.ts",
      "src/queue/types.ts",
      "src/queue/store.ts",
      "src/smtp/session.ts",
    ],
    "src/queue/store.ts": ["src/cli/main.ts"],
    "src/delivery/local.ts": ["src/queue/types.ts"],
    "src/common/calendar.ts": ["src/smtp/session.ts"],
    "src/dns/resolver.ts": [],
    "src/dns/lookup.ts": ["src/common/calendar.ts"],
  });
  assert.deepEqual(findForbiddenImports(graph, TINY), [
    {
      from: "src/smtp/server.ts",
      to: "src/queue/store.ts",
      rule: '"smtp" may not import "queue" (leaves and the gate)',
    },
    {
      from: "src/queue/store.ts",
      to: "src/cli/main.ts",
      rule:
        '"queue" may not import "cli" (leaves); only main.ts may import "cli"',
    },
    {
      from: "src/delivery/local.ts",
      to: "src/queue/types.ts",
      rule: '"delivery" may not import "queue" (leaves and gate types)',
    },
    {
      from: "src/common/calendar.ts",
      to: "src/smtp/session.ts",
      rule: '"common" may not import "smtp" (a leaf)',
    },
    {
      from: "src/dns/lookup.ts",
      to: "src/common/calendar.ts",
      rule: 'no rule for "dns": add it to the table',
    },
  ]);
});

Deno.test("rule check: a type-only grant lets `import type` through only", () => {
  const graph = new Map([
    ["src/delivery/local.ts", [{ to: "src/queue/types.ts", typeOnly: true }]],
  ]);
  assert.deepEqual(findForbiddenImports(graph, TINY), []);
});

Deno.test("rule check: an exception passes exactly its edge and is reported once stale", () => {
  const rules: ImportRules = {
    ...TINY,
    exceptions: [
      { from: "src/smtp/server.ts", to: "src/queue/store.ts", why: "moving" },
      { from: "src/smtp/old.ts", to: "src/queue/store.ts", why: "fixed" },
    ],
  };
  const graph = graphOf({
    "src/smtp/server.ts": ["src/queue/store.ts"],
    "src/smtp/connection.ts": ["src/queue/store.ts"],
  });
  assert.deepEqual(
    findForbiddenImports(graph, rules).map((f) => [f.from, f.rule]),
    [
      [
        "src/smtp/connection.ts",
        '"smtp" may not import "queue" (leaves and the gate)',
      ],
      [
        "src/smtp/old.ts",
        "an exception no import needs any more: delete it from the table",
      ],
    ],
  );
});

Deno.test("rule check: the shared leaves' own rules are checked for loops", () => {
  const rules: ImportRules = {
    folders: {
      log: { may: ["maps"], why: "" },
      maps: { may: ["log"], why: "" },
    },
    exceptions: [],
  };
  assert.deepEqual(findRuleCycles(rules, ["log", "maps"]), [[
    "log",
    "maps",
    "log",
  ]]);
});
