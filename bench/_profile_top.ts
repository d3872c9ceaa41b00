/**
 * Prints where a V8 CPU profile spends its time: the functions with the most
 * self time, and the files with the most total self time.
 *
 * ```sh
 * deno run -A --cpu-prof --cpu-prof-dir=/tmp/prof bench/rpc.ts --transport tcp --layer rpc --codec msgpack --server-prof /tmp/prof
 * deno run -A bench/_profile_top.ts /tmp/prof/*.cpuprofile
 * ```
 *
 * @module
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const top = Number(Deno.env.get("TOP") ?? 25);
for (const path of Deno.args) {
  const profile = JSON.parse(await Deno.readTextFile(path)) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const file = f.url.replace(/^file:\/\/\/work\/main\//, "").replace(
      /^.*\/npm\/registry\.npmjs\.org\//,
      "npm:",
    ) ||
      "(native)";
    const key = `${f.functionName || "(anonymous)"}  ${file}:${f.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n== ${path} (${(total / 1e6).toFixed(2)} s sampled)`);
  console.log("-- self time by function");
  for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${pct(us)}  ${k}`);
  }
  console.log("-- self time by file");
  for (const [k, us] of [...files].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`${pct(us)}  ${k}`);
  }
}
