/**
 * The import graph of the library's source files: the layers import only the
 * layers below them, and no files import each other in a cycle, whether the
 * cycle's edges import values or only types (`import type`). A cycle of value
 * imports makes evaluation order matter (one module of the cycle runs while
 * another's bindings are still uninitialised); a cycle through type imports
 * is erased when compiled but still means that neither file can be read,
 * changed or moved without the other: the shared type belongs to the module
 * that owns its concept, a module describes what it needs from another by an
 * interface of its own, or the two files are one module.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
/** What is not published: the rest is source. */
const NOT_SOURCE = new Set([
  "tests",
  "bench",
  "examples",
  "docs",
  ".ci",
  "coverage",
  ".tmp",
  ".git",
]);

async function sourceFiles(dir: URL): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory && !NOT_SOURCE.has(entry.name) && !entry.name.startsWith(".")) {
      files.push(...await sourceFiles(new URL(`${entry.name}/`, dir)));
    } else if (entry.isFile && entry.name.endsWith(".ts")) {
      files.push(new URL(entry.name, dir).href);
    }
  }
  return files;
}

interface ModuleInfo {
  specifier: string;
  dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
}

/**
 * The imports between local files (of values and of types), from
 * `deno info --json` of every source file.
 */
async function importGraph(
  files: string[],
): Promise<{ imports: Map<string, string[]>; packages: Map<string, string[]> }> {
  const imports = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  const local = (specifier: string | undefined): specifier is string =>
    specifier?.startsWith(ROOT.href) ?? false;
  for (const file of files) {
    if (imports.has(file)) continue;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(output.success, new TextDecoder().decode(output.stderr));
    const info = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: ModuleInfo[] };
    for (const module of info.modules) {
      if (!local(module.specifier)) continue;
      const dependencies = module.dependencies ?? [];
      imports.set(
        module.specifier,
        dependencies.flatMap((d) => [d.code?.specifier, d.type?.specifier]).filter(local),
      );
      const outside = dependencies.map((d) => d.code?.specifier ?? d.type?.specifier)
        .filter((s): s is string =>
          s !== undefined && !s.startsWith(ROOT.href) && !s.startsWith("node:")
        );
      if (outside.length > 0) packages.set(module.specifier, outside);
    }
  }
  return { imports, packages };
}

/** The strongly connected components with more than one file, or a file importing itself. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component = stack.splice(stack.indexOf(file));
    if (component.length > 1 || graph.get(file)!.includes(file)) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

const files = await sourceFiles(ROOT);
const graph = await importGraph(files);
const relative = (file: string) => file.slice(ROOT.href.length);

Deno.test("no source file is part of a cycle of imports, type imports included", () => {
  assertEquals(files.filter((file) => !graph.imports.has(file)), [], "every file is in the graph");
  assertEquals(cycles(graph.imports).map((cycle) => cycle.map(relative)), []);
});

/**
 * The layers and what each may import (values and types): a layer sees only
 * the layers below it, so the folders show the architecture.
 */
const LAYERS: Record<string, readonly string[]> = {
  "errors.ts": [],
  internal: ["errors.ts"],
  codecs: ["internal", "errors.ts"],
  clocks: ["internal", "errors.ts"],
  channel: ["codecs", "internal", "errors.ts"],
  rpc: ["channel", "codecs", "internal", "errors.ts"],
  agent: ["rpc", "channel", "codecs", "clocks", "internal", "errors.ts"],
  "mod.ts": ["agent", "rpc", "channel", "codecs", "clocks", "internal", "errors.ts"],
  // The optional entry points build on the core; the core never imports them.
  mosaik: ["agent", "rpc", "channel", "codecs", "clocks", "internal", "errors.ts"],
  nats: ["agent", "rpc", "channel", "codecs", "clocks", "internal", "errors.ts"],
};

Deno.test("each layer imports only the layers below it", () => {
  const layerOf = (file: string) => relative(file).split("/")[0];
  const crossings: string[] = [];
  for (const [file, imports] of graph.imports) {
    const layer = layerOf(file);
    const allowed = LAYERS[layer];
    assert(allowed !== undefined, `${relative(file)} is in no layer: add its folder to LAYERS`);
    for (const imported of imports) {
      const target = layerOf(imported);
      if (target !== layer && !allowed.includes(target)) {
        crossings.push(`${relative(file)} -> ${relative(imported)}`);
      }
    }
  }
  assertEquals(crossings, []);
});

Deno.test("the core imports no package: only nats/ may", () => {
  const importers = [...graph.packages.keys()].map(relative);
  assertEquals(importers.filter((file) => !file.startsWith("nats/")), []);
  assert(importers.length > 0, "nats/ imports the NATS client");
});

Deno.test("the cycle finder finds cycles", () => {
  const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a", "d"]], ["d", []], ["e", ["e"]]]);
  assertEquals(cycles(graph), [["a", "b", "c"], ["e"]]);
});
