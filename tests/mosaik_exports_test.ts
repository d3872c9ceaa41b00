/**
 * The public surface of `@denomas/denomas/mosaik`, pinned: a change here is
 * an API change.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as mosaik from "../mosaik/mod.ts";

Deno.test("the mosaik entry point exports exactly these values", () => {
  assertEquals(Object.keys(mosaik).sort(), [
    "API_VERSION",
    "ContainerSimulator",
    "DEFAULT_REMOTE_TIMEOUT",
    "DEFAULT_START_DATE",
    "LOG_LEVELS",
    "MosaikConnectionError",
    "MosaikError",
    "MosaikRequestError",
    "Simulator",
    "UsageError",
    "logs",
    "parseHostPort",
    "parseSimulatorArgs",
    "runSimulator",
    "silentLogger",
    "startSimulation",
    "stderrLogger",
    "usage",
  ]);
});
