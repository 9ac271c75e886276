/**
 * The import graph of mailsrv's source and the checks on it.
 *
 * DESCRIPTION
 *   Reads every static `import … from`, `export … from` and bare
 *   `import "…"` of the files under `src/` (and `main.ts`), keeps the
 *   relative ones (npm: and node: specifiers are not ours), and builds the
 *   file graph. Type-only imports count: a type ties two files as much
 *   as a value does when the question is who may know whom. They are
 *   marked, so a rule may grant `import type` and nothing more.
 *
 *   `findCycles` reports every loop between files (one printed path per
 *   strongly connected group). `findForbiddenImports` holds each edge that
 *   leaves its folder against the rule table of import_rules.ts.
 *
 *   Used by import_rules_test.ts only; the checks are pure functions of a
 *   graph so they are tested on small synthetic graphs as well.
 *
 *   Does NOT follow `new URL("…", import.meta.url)` (the qmgr worker's
 *   entry) or dynamic `import()`: neither ties modules at load time.
 */
import { dirname, join, normalize } from "node:path";

/** One import: the importing file and the imported one, both repo-relative. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  /** Every statement between the two names types only (`import type`). */
  readonly typeOnly?: boolean;
}

/** What one file imports. */
export interface ImportTarget {
  readonly to: string;
  readonly typeOnly: boolean;
}

/** Files and their imports, repo-relative paths with `/`. */
export type ImportGraph = ReadonlyMap<string, readonly ImportTarget[]>;

/** A graph from plain `[from, [to…]]` pairs (value imports), for tests. */
export function graphOf(
  files: Readonly<Record<string, readonly string[]>>,
): ImportGraph {
  return new Map(
    Object.entries(files).map((
      [from, targets],
    ) => [from, targets.map((to) => ({ to, typeOnly: false }))]),
  );
}

/**
 * The folder a file belongs to in the rules: `src/<folder>/…` gives the
 * folder, `src/version.ts` gives `version`, anything else (main.ts) its
 * name without `.ts`.
 */
export function roleOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "src" && parts.length > 2) return parts[1];
  return parts[parts.length - 1].replace(/\.ts$/, "");
}

// Statements start a line; header comments (" * import …") never match.
const STATIC_IMPORT =
  /^\s*(?:import|export)\b([^;"']*?)\bfrom\s*["']([^"']+)["']/gm;
const BARE_IMPORT = /^\s*import\s*["']([^"']+)["']/gm;

/** One relative specifier a source imports, and whether only for types. */
export interface ImportSpecifier {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

/** `type { A }`, `{ type A, type B }`: names types only. */
function namesTypesOnly(clause: string): boolean {
  const text = clause.trim();
  if (/^type\b/.test(text)) return true;
  const braces = /^\{([^}]*)\}$/.exec(text);
  if (braces === null) return false;
  const names = braces[1].split(",").map((n) => n.trim()).filter((n) => n);
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

/** The relative module specifiers a source text imports or re-exports. */
export function importSpecifiers(source: string): ImportSpecifier[] {
  const found: ImportSpecifier[] = [];
  for (const match of source.matchAll(STATIC_IMPORT)) {
    if (!match[2].startsWith(".")) continue;
    found.push({ specifier: match[2], typeOnly: namesTypesOnly(match[1]) });
  }
  for (const match of source.matchAll(BARE_IMPORT)) {
    if (match[1].startsWith(".")) {
      found.push({ specifier: match[1], typeOnly: false });
    }
  }
  return found;
}

/** Resolves `specifier` as written in `file`, repo-relative. */
export function resolveImport(file: string, specifier: string): string {
  return normalize(join(dirname(file), specifier)).split("\\").join("/");
}

/** Every `.ts` file under `dir` (repo-relative to `root`), sorted. */
async function sourceFiles(root: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(join(root, dir))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...await sourceFiles(root, path));
    else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

/** Reads the import graph of `main.ts` and `src/` below `root`. */
export async function readImportGraph(root: string): Promise<ImportGraph> {
  const files = ["main.ts", ...await sourceFiles(root, "src")];
  const graph = new Map<string, ImportTarget[]>();
  for (const file of files) {
    const source = await Deno.readTextFile(join(root, file));
    const typeOnly = new Map<string, boolean>();
    for (const found of importSpecifiers(source)) {
      const to = resolveImport(file, found.specifier);
      typeOnly.set(to, (typeOnly.get(to) ?? true) && found.typeOnly);
    }
    graph.set(
      file,
      [...typeOnly].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
        .map(([to, types]) => ({ to, typeOnly: types })),
    );
  }
  return graph;
}

/** All edges of `graph`, in file order. */
export function edgesOf(graph: ImportGraph): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [from, targets] of graph) {
    for (const { to, typeOnly } of targets) edges.push({ from, to, typeOnly });
  }
  return edges;
}

/**
 * The import loops of `graph`: for each group of files that reach each
 * other (Tarjan's strongly connected components), one loop through its
 * first file, as `[a, b, …, a]`. A file importing itself is a loop too.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let counter = 0;

  const visit = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const { to: next } of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== file);
      const selfLoop = (graph.get(file) ?? []).some((t) => t.to === file);
      if (group.length > 1 || selfLoop) groups.push(group.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);

  return groups.map((group) => loopThrough(graph, new Set(group), group[0]));
}

/** A shortest loop from `start` back to itself inside `group` (BFS). */
function loopThrough(
  graph: ImportGraph,
  group: ReadonlySet<string>,
  start: string,
): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const { to: next } of graph.get(file) ?? []) {
      if (!group.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = file; at !== start; at = cameFrom.get(at)!) {
          path.unshift(at);
        }
        path.unshift(start);
        return path;
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, file);
        queue.push(next);
      }
    }
  }
  return [start, start]; // unreachable for a true group
}

/**
 * What one folder may import from the others (its own files it may
 * always import).
 */
export interface FolderRule {
  /** Folders any file here may import. */
  readonly may: readonly string[];
  /** Single files of other folders this folder may also import. */
  readonly files?: readonly FileGrant[];
  /** When set, only these files may import this folder. */
  readonly importedOnlyBy?: readonly string[];
  /** The rule in words, printed with every import that breaks it. */
  readonly why: string;
}

/** Files of another folder that (some files of) a folder may import. */
export interface FileGrant {
  /** The imported files, repo-relative. */
  readonly to: readonly string[];
  /** Only these importing files may; every file of the folder when absent. */
  readonly from?: readonly string[];
  /** Only `import type` / `export type` statements. */
  readonly typeOnly?: boolean;
}

/** An import let through although it breaks the rules, and why. */
export interface AllowedException {
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

/** An import that breaks a rule, with the rule it breaks. */
export interface ForbiddenImport {
  readonly from: string;
  readonly to: string;
  readonly rule: string;
}

/** The folder rules keyed by folder name, and the exceptions. */
export interface ImportRules {
  readonly folders: Readonly<Record<string, FolderRule>>;
  readonly exceptions: readonly AllowedException[];
}

/** Whether a grant of `rule` lets `edge` through. */
function granted(rule: FolderRule, edge: ImportEdge): boolean {
  return (rule.files ?? []).some((grant) =>
    grant.to.includes(edge.to) &&
    (grant.from === undefined || grant.from.includes(edge.from)) &&
    (!grant.typeOnly || edge.typeOnly === true)
  );
}

/** What is wrong with `edge` under `rules`; empty when nothing is. */
function problemsWith(rules: ImportRules, edge: ImportEdge): string[] {
  const fromFolder = roleOf(edge.from);
  const toFolder = roleOf(edge.to);
  if (fromFolder === toFolder) return [];
  const problems: string[] = [];
  const fromRule = rules.folders[fromFolder];
  if (fromRule === undefined) {
    problems.push(`no rule for "${fromFolder}": add it to the table`);
  } else if (!fromRule.may.includes(toFolder) && !granted(fromRule, edge)) {
    problems.push(
      `"${fromFolder}" may not import "${toFolder}" (${fromRule.why})`,
    );
  }
  const onlyBy = rules.folders[toFolder]?.importedOnlyBy;
  if (onlyBy !== undefined && !onlyBy.includes(edge.from)) {
    problems.push(`only ${onlyBy.join(", ")} may import "${toFolder}"`);
  }
  return problems;
}

/**
 * The imports of `graph` that break the rules: from a folder with no
 * rule, to a folder or file the importer's rule does not grant, or into
 * a folder only named files may import. An exception lets exactly its
 * edge through; an exception no edge needs any more is reported too, so
 * the list only shrinks.
 */
export function findForbiddenImports(
  graph: ImportGraph,
  rules: ImportRules,
): ForbiddenImport[] {
  const forbidden: ForbiddenImport[] = [];
  const key = (edge: { from: string; to: string }) =>
    `${edge.from} -> ${edge.to}`;
  const exceptions = new Set(rules.exceptions.map(key));
  const used = new Set<string>();

  for (const edge of edgesOf(graph)) {
    const problems = problemsWith(rules, edge);
    if (problems.length === 0) continue;
    if (exceptions.has(key(edge))) {
      used.add(key(edge));
      continue;
    }
    forbidden.push({ from: edge.from, to: edge.to, rule: problems.join("; ") });
  }
  for (const exception of rules.exceptions) {
    if (used.has(key(exception))) continue;
    forbidden.push({
      from: exception.from,
      to: exception.to,
      rule: "an exception no import needs any more: delete it from the table",
    });
  }
  return forbidden;
}

/**
 * Folder-level loops in the rules themselves among `folders` (each
 * folder's `may`), as printed paths; the shared leaves must have none.
 */
export function findRuleCycles(
  rules: ImportRules,
  folders: readonly string[],
): string[][] {
  const graph = new Map<string, ImportTarget[]>();
  for (const folder of folders) {
    const may = rules.folders[folder]?.may ?? [];
    graph.set(
      folder,
      may.filter((f) => folders.includes(f)).map((to) => ({
        to,
        typeOnly: false,
      })),
    );
  }
  return findCycles(graph);
}
