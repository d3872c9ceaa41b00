/**
 * Internal: the main module of a child container process, started by
 * `startSubprocess`. It reads its configuration from the first argument,
 * prints one ready line, and exits when the manager is told to shut down or
 * when its standard input closes (the parent went away).
 *
 * @module
 */

import { type ChildConfig, READY_MARKER, startChild } from "./_child.ts";

async function main(): Promise<void> {
  const config = JSON.parse(Deno.args[0] ?? "{}") as ChildConfig;
  const { promise: stop, resolve } = Promise.withResolvers<void>();
  let container;
  try {
    ({ container } = await startChild(config, resolve));
  } catch (error) {
    console.log(JSON.stringify({ [READY_MARKER]: false, error: String(error) }));
    Deno.exit(1);
  }
  const manager = `${container.url}/0`;
  console.log(JSON.stringify({ [READY_MARKER]: true, url: container.url, manager }));
  // The parent holds our stdin open; end of input means it is gone.
  const orphaned = (async () => {
    const buffer = new Uint8Array(64);
    while (await Deno.stdin.read(buffer) !== null) { /* ignore input */ }
  })();
  await Promise.race([stop, orphaned]);
  await container.shutdown();
  Deno.exit(0);
}

await main();
