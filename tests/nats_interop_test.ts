/**
 * Runs `examples/interop_client.ts` against `examples/interop_server.ts`
 * over a real nats-server, in separate processes, for every codec.
 *
 * @module
 */

import { strictEqual } from "node:assert/strict";
import {
  assertAllPassed,
  forEveryCodec,
  runInteropClient,
  startInteropServer,
} from "./_interop_server.ts";
import { NatsCluster, natsTest } from "./_nats_servers.ts";

natsTest({
  name: "nats interop: the client passes every check against NATS agents, with each codec",
  async fn() {
    // Two nodes: the server joins one, the client the other, so calls cross a route.
    await using cluster = await NatsCluster.start(2);
    const [first, second] = cluster.urls;
    await forEveryCodec(async (codec) => {
      await using server = await startInteropServer([
        "--agents",
        "--nats",
        `${first},${second}`,
        "--name",
        `interop.${codec}`,
        "--codec",
        codec,
      ]);
      strictEqual(server.address, `nats://interop.${codec}`);
      assertAllPassed(
        await runInteropClient([server.address, "--codec", codec, "--nats", second]),
        40,
      );
    });
  },
});
