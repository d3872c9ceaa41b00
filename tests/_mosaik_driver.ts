/**
 * A small stand-in for mosaik in the tests: it speaks mosaik's low-level
 * protocol over a real TCP socket, sends API calls, and answers the
 * simulator's asynchronous requests from a table of handlers.
 *
 * @module
 */

import { encodeFrame, FrameReader } from "../channel/frame.ts";

/** A FAILURE reply from the simulator: its content is `[type, message, ...traceback]`. */
export class FailureReply extends Error {
  readonly content: unknown;
  constructor(content: unknown) {
    super(`FAILURE ${JSON.stringify(content)}`);
    this.content = content;
  }
  get remoteType(): unknown {
    return Array.isArray(this.content) ? this.content[0] : undefined;
  }
  get remoteMessage(): unknown {
    return Array.isArray(this.content) ? this.content[1] : undefined;
  }
}

/** Answers one asynchronous request of the simulator; a throw becomes a FAILURE reply. */
export type AsyncHandler = (args: unknown[], kwargs: Record<string, unknown>) => unknown;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** mosaik's side of one connection to a simulator. */
export class MosaikPeer implements AsyncDisposable {
  readonly conn: Deno.Conn;
  /** The simulator's asynchronous requests, in order: `[method, args, kwargs]`. */
  readonly requests: [string, unknown[], Record<string, unknown>][] = [];
  /** Replies to ids this side never used (sent raw with `send`): `[type, id, content]`. */
  readonly unsolicited: [number, unknown, unknown][] = [];
  /** The message ids of {@linkcode MosaikPeer.requests}. */
  readonly requestIds: number[] = [];
  /** Handlers for the simulator's requests, by method. */
  readonly handlers: Record<string, AsyncHandler> = {};
  /** Called with every request before it is answered; return false to leave it unanswered. */
  onRequest: ((method: string) => boolean) | undefined;
  /** Resolves when the simulator closes the connection. */
  readonly closed: Promise<void>;
  readonly #pending = new Map<number, PromiseWithResolvers<unknown>>();
  #nextId = 0;
  #closedByUs = false;

  constructor(conn: Deno.Conn) {
    this.conn = conn;
    this.closed = this.#read();
  }

  /** Sends an API call and waits for the reply: its content, or a {@linkcode FailureReply}. */
  call(
    method: string,
    args: unknown[] = [],
    kwargs: Record<string, unknown> = {},
  ): Promise<unknown> {
    const id = this.#nextId++;
    const pending = Promise.withResolvers<unknown>();
    this.#pending.set(id, pending);
    this.send([0, id, [method, args, kwargs]]);
    return pending.promise;
  }

  /** Sends `stop`, which gets no reply. */
  stop(): void {
    this.send([0, this.#nextId++, ["stop", [], {}]]);
  }

  /** Sends one message as a frame. */
  send(message: unknown): void {
    this.sendRaw(encoder.encode(JSON.stringify(message)));
  }

  /** Sends `payload` as one frame. */
  sendRaw(payload: Uint8Array): void {
    const frame = encodeFrame(payload);
    this.conn.write(frame).catch(() => {});
  }

  /** Closes the connection (mosaik vanishing). */
  close(): void {
    if (this.#closedByUs) return;
    this.#closedByUs = true;
    try {
      this.conn.close();
    } catch {
      // Closed by the simulator already.
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.closed;
  }

  async #read(): Promise<void> {
    const reader = new FrameReader();
    try {
      for (;;) {
        const count = await this.conn.read(reader.readable());
        if (count === null) break;
        reader.commit(count);
        for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
          this.#onMessage(JSON.parse(decoder.decode(frame)));
        }
      }
    } catch {
      // The connection was closed by this side.
    }
    for (const pending of this.#pending.values()) {
      pending.reject(new Error("The simulator closed the connection"));
    }
    this.#pending.clear();
    this.close();
  }

  #onMessage([type, id, content]: [number, number, unknown]): void {
    if (type === 0) {
      const [method, args, kwargs] = content as [string, unknown[], Record<string, unknown>];
      this.requests.push([method, args, kwargs]);
      this.requestIds.push(id);
      if (this.onRequest?.(method) === false) return;
      const handler = this.handlers[method];
      try {
        if (handler === undefined) throw new Error(`no handler for ${method}`);
        this.send([1, id, handler(args, kwargs) ?? null]);
      } catch (error) {
        this.send([2, id, ["ScenarioError", (error as Error).message, "Traceback: ...\n"]]);
      }
      return;
    }
    const pending = this.#pending.get(id);
    if (pending === undefined) {
      this.unsolicited.push([type, id, content]);
      return;
    }
    this.#pending.delete(id);
    if (type === 1) pending.resolve(content);
    else pending.reject(new FailureReply(content));
  }
}

/** A listening mosaik that a simulator connects to (a `cmd` start). */
export class MosaikServer implements AsyncDisposable {
  readonly listener: Deno.TcpListener = Deno.listen({ hostname: "127.0.0.1", port: 0 });

  /** `HOST:PORT`, what mosaik puts for `%(addr)s`. */
  get addr(): string {
    return `127.0.0.1:${this.listener.addr.port}`;
  }

  get port(): number {
    return this.listener.addr.port;
  }

  /** Waits for the simulator to connect. */
  async accept(): Promise<MosaikPeer> {
    return new MosaikPeer(await this.listener.accept());
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.listener.close();
    return Promise.resolve();
  }
}

/** Connects to a simulator started with `--remote` (a `connect` start). */
export async function connectToSimulator(port: number): Promise<MosaikPeer> {
  return new MosaikPeer(await Deno.connect({ hostname: "127.0.0.1", port }));
}

/** A simulator process: `deno run -A <example> <args>`, with its output. */
export class SimulatorProcess implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly #stderr: Promise<string>;
  readonly #stdout: Promise<string>;
  #lines: string[] = [];
  #lineWaiters: [RegExp, (match: RegExpMatchArray) => void][] = [];

  constructor(example: string, args: string[]) {
    const path = new URL(`../examples/mosaik/${example}`, import.meta.url).pathname;
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", path, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdout = new Response(this.child.stdout).text();
    this.#stderr = this.#collectStderr();
  }

  /** Waits for a stderr line matching `pattern`. */
  waitForLine(pattern: RegExp): Promise<RegExpMatchArray> {
    for (const line of this.#lines) {
      const match = line.match(pattern);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve) => this.#lineWaiters.push([pattern, resolve]));
  }

  /** Waits for the exit; gives its code and output. */
  async result(): Promise<{ code: number; stdout: string; stderr: string }> {
    const [status, stdout, stderr] = await Promise.all([
      this.child.status,
      this.#stdout,
      this.#stderr,
    ]);
    return { code: status.code, stdout, stderr };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.child.kill();
    } catch {
      // Exited already.
    }
    await this.result();
  }

  async #collectStderr(): Promise<string> {
    let text = "";
    let partial = "";
    for await (const chunk of this.child.stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      partial += chunk;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        this.#lines.push(line);
        this.#lineWaiters = this.#lineWaiters.filter(([pattern, resolve]) => {
          const match = line.match(pattern);
          if (match) resolve(match);
          return !match;
        });
      }
    }
    return text;
  }
}
