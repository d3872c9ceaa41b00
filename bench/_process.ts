/**
 * Runs `bench/_server.ts` in a child process and talks to it through its
 * standard streams: `READY <address>` on start, `RSS <bytes>` samples, and a
 * closed standard input to stop it.
 *
 * @module
 */
import type { CodecName, LayerName, Pki, TransportName } from "./_common.ts";

/** A server running in a child process. */
export class ServerProcess {
  #child: Deno.ChildProcess;
  #lines: AsyncIterator<string>;
  /** The address printed on `READY`. */
  address = "";
  /** Every `RSS` sample printed so far, in bytes. */
  rss: number[] = [];
  /** The V8 heap in use at each `RSS` sample, in bytes. */
  heap: number[] = [];

  /** The child's process id. */
  get pid(): number {
    return this.#child.pid;
  }

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#lines = lines(child.stdout)[Symbol.asyncIterator]();
  }

  /** Starts the server and waits (at most `timeoutMs`) for its `READY` line. */
  static async start(options: {
    layer: LayerName;
    transport: TransportName;
    codec: CodecName;
    pki?: Pki;
    socketPath?: string;
    rssMs?: number;
    /** Extra `deno run` flags, e.g. `--cpu-prof`. */
    denoFlags?: string[];
    timeoutMs?: number;
  }): Promise<ServerProcess> {
    const args = [
      "run",
      "--allow-all",
      ...(options.denoFlags ?? []),
      new URL("./_server.ts", import.meta.url).pathname,
      "--layer",
      options.layer,
      "--transport",
      options.transport,
      "--codec",
      options.codec,
    ];
    if (options.pki) args.push("--pki", JSON.stringify(options.pki));
    if (options.socketPath) args.push("--socket", options.socketPath);
    if (options.rssMs) args.push("--rss-ms", String(options.rssMs));
    const child = new Deno.Command(Deno.execPath(), {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const proc = new ServerProcess(child);
    const timeout = options.timeoutMs ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        proc.#waitReady(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`server ${options.layer} did not start in ${timeout} ms`)),
            timeout,
          );
        }),
      ]);
    } catch (error) {
      await proc.stop();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    proc.#pump();
    return proc;
  }

  async #waitReady(): Promise<void> {
    while (true) {
      const { value, done } = await this.#lines.next();
      if (done) throw new Error("server exited before READY");
      if (value.startsWith("READY ")) {
        this.address = value.slice(6).trim();
        return;
      }
      this.#record(value);
    }
  }

  #record(line: string): void {
    if (line.startsWith("RSS ")) {
      const [rss, heap] = line.slice(4).split(" ").map(Number);
      this.rss.push(rss);
      this.heap.push(heap);
    }
  }

  async #pump(): Promise<void> {
    try {
      while (true) {
        const { value, done } = await this.#lines.next();
        if (done) return;
        this.#record(value);
      }
    } catch { /* the child went away */ }
  }

  /** Closes the child's standard input and waits for it to exit (kills it after 5 s). */
  async stop(): Promise<void> {
    try {
      await this.#child.stdin.close();
    } catch { /* already closed */ }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 5000);
    await this.#child.status;
    clearTimeout(timer);
  }
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let i;
    while ((i = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, i);
      rest = rest.slice(i + 1);
    }
  }
  if (rest) yield rest;
}
