/**
 * Internal: the main module of a child container in a Web Worker, started
 * by `startWorker`. It receives its configuration in the first message,
 * answers `{ready}` (or `{error}`), and `{stopped}` after the manager was
 * told to shut down, then closes itself.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { type ChildConfig, startChild } from "./_child.ts";

self.onmessage = async (event: MessageEvent<ChildConfig>) => {
  self.onmessage = null;
  const { promise: stop, resolve } = Promise.withResolvers<void>();
  let container;
  try {
    ({ container } = await startChild(event.data, resolve));
  } catch (error) {
    self.postMessage({ error: String(error) });
    self.close();
    return;
  }
  self.postMessage({ ready: { url: container.url, manager: `${container.url}/0` } });
  await stop;
  await container.shutdown();
  self.postMessage({ stopped: true });
  self.close();
};
