/**
 * Internal: the child's side of a child container, and its main module
 * (`deno run` by `startSubprocess`, a module worker of `startWorker`): its
 * configuration, its container and its manager agent.
 *
 * @module
 */

import type { CodecClass } from "../../codecs/codec.ts";
import { Json } from "../../codecs/json.ts";
import { MsgPack } from "../../codecs/msgpack.ts";
import type { Serializer } from "../../codecs/serializers.ts";
import type { Clock } from "../../clocks/clock.ts";
import { ExternalClock } from "../../clocks/external.ts";
import { RealtimeClock } from "../../clocks/realtime.ts";
import type { Address } from "../../channel/address.ts";
import { Container } from "../container.ts";
import { Manager } from "./manager.ts";

/** An export of a module, named by specifier and export name. */
export interface ModuleExport {
  /** An absolute module specifier. */
  readonly module: string;
  /** The export's name. */
  readonly export: string;
}

/** What the parent tells a child container (JSON). */
export interface ChildConfig {
  /** Where the child container listens. */
  readonly addr: Address;
  /** The codec's wire name: `"json"`, `"msgpack"` or `"msgpackblosc"`. */
  readonly codec: string;
  /** Start of the child's external clock; a real-time clock when absent. */
  readonly clock?: { readonly utcStart: string; readonly initTime: number };
  /** A module export holding the extra serializers (an array). */
  readonly extraSerializers?: ModuleExport;
}

/** What a child tells its parent once it listens. */
export interface ChildReady {
  /** The child container's URL. */
  readonly url: string;
  /** The manager agent's URL. */
  readonly manager: string;
}

/** The marker of the line a subprocess prints when it is ready. */
export const READY_MARKER = "denomas-child-ready";

async function codecClass(name: string): Promise<CodecClass> {
  switch (name) {
    case "json":
      return Json;
    case "msgpack":
      return MsgPack;
    case "msgpackblosc": {
      // Loaded only when asked for: the core never loads Blosc otherwise.
      const blosc = await import("../../codecs/blosc/mod.ts");
      return blosc.MsgPackBlosc;
    }
    default:
      throw new TypeError(`Unknown codec ${JSON.stringify(name)} for a child container`);
  }
}

async function loadExport(spec: ModuleExport): Promise<unknown> {
  const namespace = await import(spec.module) as Record<string, unknown>;
  if (!Object.hasOwn(namespace, spec.export)) {
    throw new TypeError(`${spec.module} has no export ${JSON.stringify(spec.export)}`);
  }
  return namespace[spec.export];
}

/**
 * Starts the child's container and manager. `onShutdown` runs when the
 * parent asks the manager to shut down.
 */
export async function startChild(
  config: ChildConfig,
  onShutdown: () => void,
): Promise<{ container: Container; manager: Manager }> {
  const clock: Clock = config.clock
    ? new ExternalClock(config.clock.utcStart, config.clock.initTime)
    : new RealtimeClock();
  let extraSerializers: readonly Serializer[] | undefined;
  if (config.extraSerializers) {
    const value = await loadExport(config.extraSerializers);
    if (!Array.isArray(value)) {
      throw new TypeError(
        `${config.extraSerializers.module} export ${config.extraSerializers.export} is not an array of serializers`,
      );
    }
    extraSerializers = value;
  }
  const container = await Container.create(config.addr, {
    clock,
    codec: await codecClass(config.codec),
    extraSerializers,
  });
  const manager = new Manager(container, () => {
    onShutdown();
    return Promise.resolve();
  });
  return { container, manager };
}

/**
 * The main of a child process: reads its configuration from the first
 * argument, prints one ready line, and exits when the manager is told to
 * shut down or when its standard input closes (the parent went away).
 */
async function runInSubprocess(): Promise<void> {
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

/** The part of a worker's global scope the child uses. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<ChildConfig>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/**
 * The main of a child in a Web Worker: receives its configuration in the
 * first message, answers `{ready}` (or `{error}`), and `{stopped}` after the
 * manager was told to shut down, then closes itself.
 */
function runInWorker(scope: WorkerScope): void {
  scope.onmessage = async (event) => {
    scope.onmessage = null;
    const { promise: stop, resolve } = Promise.withResolvers<void>();
    let container;
    try {
      ({ container } = await startChild(event.data, resolve));
    } catch (error) {
      scope.postMessage({ error: String(error) });
      scope.close();
      return;
    }
    scope.postMessage({ ready: { url: container.url, manager: `${container.url}/0` } });
    await stop;
    await container.shutdown();
    scope.postMessage({ stopped: true });
    scope.close();
  };
}

// Not awaited at the top level: the agents' modules, imported later, may
// import this one (through `mod.ts`), and must find it evaluated.
if (import.meta.main) {
  if ("WorkerGlobalScope" in globalThis) runInWorker(self as unknown as WorkerScope);
  else runInSubprocess();
}
