/**
 * No import cycles between the library's source files. A cycle of value
 * imports makes evaluation order matter (one module of the cycle runs while
 * another's bindings are still uninitialised); `import type` edges are
 * erased when compiled, so a cycle through one is only a pair of types that
 * mention each other.
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

/** The value imports between local files, from `deno info --json` of every source file. */
async function valueImports(files: string[]): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    if (graph.has(file)) continue;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(output.success, new TextDecoder().decode(output.stderr));
    const info = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: ModuleInfo[] };
    for (const module of info.modules) {
      if (!module.specifier.startsWith(ROOT.href)) continue;
      const imports = (module.dependencies ?? []).map((dependency) => dependency.code?.specifier)
        .filter((specifier): specifier is string => specifier?.startsWith(ROOT.href) ?? false);
      graph.set(module.specifier, imports);
    }
  }
  return graph;
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

Deno.test("no source file is part of a cycle of value imports", async () => {
  const files = await sourceFiles(ROOT);
  const graph = await valueImports(files);
  assertEquals(files.filter((file) => !graph.has(file)), [], "every source file is in the graph");
  const relative = (file: string) => file.slice(ROOT.href.length);
  assertEquals(cycles(graph).map((cycle) => cycle.map(relative)), []);
});

Deno.test("the cycle finder finds cycles", () => {
  const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a", "d"]], ["d", []], ["e", ["e"]]]);
  assertEquals(cycles(graph), [["a", "b", "c"], ["e"]]);
});
