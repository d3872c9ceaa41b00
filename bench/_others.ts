/**
 * Other RPC libraries from npm, run over the same framed sockets as the raw
 * echo so that the comparison measures the libraries and not the transport:
 * `birpc` (with JSON or msgpackr encoding) and Cap'n Web (`capnweb`, its own
 * JSON messages).
 *
 * @module
 */
import { createBirpc } from "birpc";
import { RpcSession, RpcTarget, type RpcTransport } from "capnweb";
import { pack, unpack } from "msgpackr";
import type { CodecName } from "./_common.ts";
import type { FramedPort } from "./_framed.ts";

/** The service every library serves. */
export interface BenchService {
  /** Adds two numbers. */
  add(a: number, b: number): number;
  /** Returns its argument. */
  echo(x: string): string;
}

/** Calls a client makes in the harness. */
export interface BenchCalls {
  /** `add(1, 2)`. */
  add(): Promise<unknown>;
  /** `echo(10 KiB)`. */
  echo(): Promise<unknown>;
  /** Closes the connection. */
  close(): void;
}

const functions: BenchService = { add: (a, b) => a + b, echo: (x) => x };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function birpcCodec(codec: CodecName) {
  if (codec === "json") {
    return {
      serialize: (v: unknown) => encoder.encode(JSON.stringify(v)),
      deserialize: (b: Uint8Array) => JSON.parse(decoder.decode(b)),
    };
  }
  if (codec === "msgpack") return { serialize: (v: unknown) => pack(v), deserialize: unpack };
  throw new Error(`birpc runs with json or msgpack, not ${codec}`);
}

function birpcOn(port: FramedPort, codec: CodecName) {
  const { serialize, deserialize } = birpcCodec(codec);
  return {
    post: (data: Uint8Array) => port.send(data),
    on: (fn: (data: Uint8Array) => void) => port.onMessage(fn),
    serialize,
    deserialize,
  };
}

/** Serves {@linkcode BenchService} with birpc on one connection. */
export function serveBirpc(port: FramedPort, codec: CodecName): void {
  const rpc = createBirpc<Record<string, never>, BenchService>(functions, birpcOn(port, codec));
  port.onClose(() => rpc.$close());
}

/** A birpc client on one connection. */
export function birpcClient(port: FramedPort, codec: CodecName, payload: string): BenchCalls {
  const rpc = createBirpc<BenchService, Record<string, never>>({}, birpcOn(port, codec));
  return {
    add: () => rpc.add(1, 2),
    echo: () => rpc.echo(payload),
    close() {
      rpc.$close();
      port.close();
    },
  };
}

/** Cap'n Web's string transport over a framed port. */
class CapnwebTransport implements RpcTransport {
  #port: FramedPort;
  #messages: string[] = [];
  #waiting: { resolve: (m: string) => void; reject: (e: Error) => void } | undefined;
  #error: Error | undefined;

  constructor(port: FramedPort) {
    this.#port = port;
    port.onMessage((m) => {
      const text = decoder.decode(m);
      const waiting = this.#waiting;
      if (waiting) {
        this.#waiting = undefined;
        waiting.resolve(text);
      } else this.#messages.push(text);
    });
    port.onClose((error) => {
      this.#error = error;
      this.#waiting?.reject(error);
      this.#waiting = undefined;
    });
  }

  send(message: string): void {
    this.#port.send(encoder.encode(message));
  }

  receive(): Promise<string> {
    if (this.#messages.length > 0) return Promise.resolve(this.#messages.shift()!);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#waiting = { resolve, reject });
  }

  abort(): void {
    this.#port.close();
  }
}

class CapnwebService extends RpcTarget implements BenchService {
  add(a: number, b: number): number {
    return a + b;
  }
  echo(x: string): string {
    return x;
  }
}

/** Serves {@linkcode BenchService} with Cap'n Web on one connection. */
export function serveCapnweb(port: FramedPort): void {
  new RpcSession(new CapnwebTransport(port), new CapnwebService());
}

/** A Cap'n Web client on one connection. */
export function capnwebClient(port: FramedPort, payload: string): BenchCalls {
  const session = new RpcSession<CapnwebService>(new CapnwebTransport(port));
  const main = session.getRemoteMain();
  return {
    add: () => main.add(1, 2),
    echo: () => main.echo(payload),
    close() {
      main[Symbol.dispose]();
      port.close();
    },
  };
}
