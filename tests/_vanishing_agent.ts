/**
 * A peer container whose agent vanishes after its first call, for the tests
 * that a missing agent is recognised by the exception type of the reply, not
 * by its wording, over TCP and over NATS.
 *
 * @module
 */

import { expose } from "../rpc/mod.ts";

/**
 * A container as its peers see it (`validate_aid` and `agents/0/…`), to be
 * served by plain RPC: agent 0 fails its first call of `method` with
 * `failure()` and is gone from then on, so only the error's type can tell a
 * missing agent.
 */
export function vanishingContainer(method: string, failure: () => Error): object {
  let gone = false;
  return {
    // Callers only check for null; the class name is not looked at.
    validate_aid: expose((aid: string) => aid === "0" && !gone ? "Agent" : null),
    agents: {
      "0": {
        [method]: expose((..._args: unknown[]) => {
          gone = true;
          throw failure();
        }),
      },
    },
  };
}

/** An error of the Python type `type`, as another implementation would send it. */
export function remoteError(type: string, message: string): Error {
  const error = new Error(message);
  error.name = type;
  return error;
}
