/**
 * Shared pieces of the end-to-end benchmarks: the workloads, frame helpers,
 * latency statistics and the mutual TLS material.
 *
 * @module
 */

import * as tls from "node:tls";

/** The byte streams a benchmark runs over. */
export type TransportName = "tcp" | "unix" | "tls";
/** The codecs a benchmark runs with. */
export type CodecName = "json" | "msgpack" | "msgpackblosc";
/** What is being measured: the raw framed echo, a denomas layer or another library. */
export type LayerName = "raw" | "channel" | "rpc" | "agent" | "birpc" | "capnweb";
/** The two calls every layer implements. */
export type WorkloadName = "add" | "echo";
/** Sequential round trips, or a fixed number of calls in flight. */
export type ModeName = "seq" | "pipe";

/** All transports, in table order. */
export const TRANSPORTS: readonly TransportName[] = ["tcp", "unix", "tls"];
/** All codecs, in table order. */
export const CODECS: readonly CodecName[] = ["json", "msgpack", "msgpackblosc"];
/** All layers, in table order. */
export const LAYERS: readonly LayerName[] = ["raw", "channel", "rpc", "agent", "birpc", "capnweb"];
/** Both workloads. */
export const WORKLOADS: readonly WorkloadName[] = ["add", "echo"];

/** Calls kept in flight by the pipelined workload. */
export const PIPELINE_DEPTH = 100;
/** Size of the `echo` payload. */
export const ECHO_SIZE = 10 * 1024;
/** Frame header size: a big-endian uint32 length. */
export const HEADER_SIZE = 4;

/**
 * The `echo` argument: 10 KiB of pseudo-random ASCII letters and digits, a
 * string so that every codec (JSON too) carries it the same way, and not so
 * repetitive that Blosc gets it for free.
 */
export const ECHO_PAYLOAD: string = (() => {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let state = 0x2545f491;
  let text = "";
  for (let i = 0; i < ECHO_SIZE; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    text += alphabet[(state >>> 0) % alphabet.length];
  }
  return text;
})();

/**
 * The raw echo's stand-in for an `add` call: the 14 bytes of the MsgPack
 * request `[0, 12345, ["add", [1, 2], {}]]`, the size of a real one.
 */
export const RAW_ADD_PAYLOAD: Uint8Array = new Uint8Array([
  0x93,
  0x00,
  0xcd,
  0x30,
  0x39,
  0x93,
  0xa3,
  0x61,
  0x64,
  0x64,
  0x92,
  0x01,
  0x02,
  0x80,
]);

/** The raw echo's stand-in for `echo(10 KiB)`: a frame of the same size as the MsgPack request. */
export const RAW_ECHO_PAYLOAD: Uint8Array = (() => {
  const head = new Uint8Array([0x93, 0x00, 0xcd, 0x30, 0x39, 0x93, 0xa4, 0x65, 0x63, 0x68, 0x6f]);
  const body = new TextEncoder().encode(ECHO_PAYLOAD);
  const out = new Uint8Array(head.length + 3 + body.length + 1);
  out.set(head, 0);
  out.set([0xda, body.length >> 8, body.length & 0xff], head.length); // str16 header
  out.set(body, head.length + 3);
  out[out.length - 1] = 0x80; // {}
  return out;
})();

/** Prefixes `payload` with its 4-byte big-endian length, `count` times over. */
export function frames(payload: Uint8Array, count = 1): Uint8Array {
  const size = HEADER_SIZE + payload.length;
  const out = new Uint8Array(size * count);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    view.setUint32(i * size, payload.length);
    out.set(payload, i * size + HEADER_SIZE);
  }
  return out;
}

/** Writes all of `data` to a Deno connection. */
export async function writeAll(
  conn: { write(data: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += await conn.write(data.subarray(offset));
}

/**
 * A growable receive buffer that finds complete frames. `push` space is
 * obtained with `space()`; `take()` returns the span of whole frames read so far
 * and how many there are.
 */
export class FrameBuffer {
  #buf: Uint8Array;
  #view: DataView;
  #start = 0;
  #end = 0;
  #scan = 0;

  /** @param size initial capacity in bytes */
  constructor(size = 256 * 1024) {
    this.#buf = new Uint8Array(size);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Free space to read into; compacts or grows first when less than `min` is left. */
  space(min = 64 * 1024): Uint8Array {
    if (this.#buf.length - this.#end < min) {
      const used = this.#end - this.#start;
      const size = Math.max(this.#buf.length, (used + min) * 2);
      if (size > this.#buf.length) {
        const next = new Uint8Array(size);
        next.set(this.#buf.subarray(this.#start, this.#end), 0);
        this.#buf = next;
      } else {
        this.#buf.copyWithin(0, this.#start, this.#end);
      }
      this.#view = new DataView(this.#buf.buffer);
      this.#scan -= this.#start;
      this.#end = used;
      this.#start = 0;
    }
    return this.#buf.subarray(this.#end);
  }

  /** Records that `n` bytes were read into the last `space()`. */
  commit(n: number): void {
    this.#end += n;
  }

  /**
   * The whole frames received since the last `take`, as one span (headers
   * included) and their count. The span is valid until the next `space()`.
   */
  take(): { bytes: Uint8Array; count: number } {
    let pos = this.#scan;
    let count = 0;
    while (this.#end - pos >= HEADER_SIZE) {
      const len = this.#view.getUint32(pos);
      if (this.#end - pos - HEADER_SIZE < len) break;
      pos += HEADER_SIZE + len;
      count++;
    }
    const bytes = this.#buf.subarray(this.#start, pos);
    this.#start = this.#scan = pos;
    if (this.#start === this.#end) this.#start = this.#end = this.#scan = 0;
    return { bytes, count };
  }
}

/** One measured case. */
export interface Measurement {
  /** Completed calls in the measured interval. */
  calls: number;
  /** Length of the measured interval in seconds. */
  seconds: number;
  /** Latencies in microseconds (sequential mode only). */
  p50Us?: number;
  /** 90th percentile latency in microseconds. */
  p90Us?: number;
  /** 99th percentile latency in microseconds. */
  p99Us?: number;
  /** Minor page faults in the measured interval: this process, then the server (Linux only). */
  faults?: number[];
}

let probePids: number[] = [];
let probeBase: number[] = [];

/** Also counts the page faults of these processes (the server) in each measurement. */
export function setProbePids(pids: number[]): void {
  probePids = pids;
}

/** Minor page faults of a process so far, from `/proc/<pid>/stat`; NaN elsewhere. */
export function minorFaults(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
  } catch {
    return NaN;
  }
}

function probeValues(): number[] {
  return [minorFaults("self"), ...probePids.map(minorFaults)];
}

/** Marks the start of a measured interval. */
export function probeStart(): void {
  probeBase = probeValues();
}

/** The page faults since {@linkcode probeStart}: this process, then each probed one. */
export function probeEnd(): number[] {
  return probeValues().map((v, i) => v - probeBase[i]);
}

/** Records latencies and turns them into percentiles. */
export class Latencies {
  #data = new Float64Array(1 << 16);
  #n = 0;

  /** Adds one latency in milliseconds. */
  add(ms: number): void {
    if (this.#n === this.#data.length) {
      const next = new Float64Array(this.#data.length * 2);
      next.set(this.#data);
      this.#data = next;
    }
    this.#data[this.#n++] = ms;
  }

  /** p50/p90/p99 in microseconds. */
  percentiles(): { p50Us: number; p90Us: number; p99Us: number } {
    const sorted = this.#data.slice(0, this.#n).sort();
    const at = (q: number) =>
      sorted.length === 0
        ? NaN
        : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 1000;
    return { p50Us: at(0.5), p90Us: at(0.9), p99Us: at(0.99) };
  }
}

/**
 * Runs `call` back to back for `seconds` (after `warmup` seconds that are not
 * counted) and records each round trip.
 */
export async function measureSequential(
  call: () => Promise<unknown>,
  seconds: number,
  warmup: number,
): Promise<Measurement> {
  let end = performance.now() + warmup * 1000;
  while (performance.now() < end) await call();
  const lat = new Latencies();
  probeStart();
  const start = performance.now();
  end = start + seconds * 1000;
  let calls = 0;
  let now = start;
  while (now < end) {
    await call();
    const t = performance.now();
    lat.add(t - now);
    now = t;
    calls++;
  }
  const faults = probeEnd();
  return { calls, seconds: (now - start) / 1000, ...lat.percentiles(), faults };
}

/**
 * Keeps `depth` calls in flight for `seconds` (after an uncounted warm-up)
 * and counts the completed ones.
 */
export async function measurePipelined(
  call: () => Promise<unknown>,
  seconds: number,
  warmup: number,
  depth = PIPELINE_DEPTH,
): Promise<Measurement> {
  let counting = false;
  let calls = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      await call();
      if (counting) calls++;
    }
  };
  const workers = Array.from({ length: depth }, worker);
  await sleep(warmup * 1000);
  probeStart();
  counting = true;
  const start = performance.now();
  await sleep(seconds * 1000);
  counting = false;
  const elapsed = performance.now() - start;
  const faults = probeEnd();
  const counted = calls;
  stop = true;
  await Promise.all(workers);
  return { calls: counted, seconds: elapsed / 1000, faults };
}

/** The middle of `values` once sorted (the upper one of an even count). */
export function median(values: readonly number[]): number {
  return values.toSorted((a, b) => a - b)[values.length >> 1];
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Mutual TLS material: one CA, a server and a client certificate (with IP SAN 127.0.0.1). */
export interface Pki {
  /** CA certificate path. */
  ca: string;
  /** Server certificate path. */
  serverCert: string;
  /** Server key path. */
  serverKey: string;
  /** Client certificate path. */
  clientCert: string;
  /** Client key path. */
  clientKey: string;
}

/**
 * Opens a mutual-TLS client socket to `hostname:port` with the client
 * certificate of `pki`. A node:tls client, not Deno.connectTls: a Deno
 * TlsConn cannot turn Nagle's algorithm off, and a protocol that sends two
 * messages per call then waits for the peer's delayed ACK (40 ms a call).
 */
export async function connectTlsClient(
  hostname: string,
  port: number,
  pki: Pki,
): Promise<tls.TLSSocket> {
  const [ca, cert, key] = await Promise.all(
    [pki.ca, pki.clientCert, pki.clientKey].map((p) => Deno.readTextFile(p)),
  );
  const socket = tls.connect({ host: hostname, port, ca, cert, key });
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", resolve);
    socket.once("error", reject);
  });
  socket.setNoDelay(true);
  return socket;
}

/**
 * Creates a throwaway CA with a server and a client certificate in `dir`
 * with `openssl` (EC P-256, valid for a day).
 */
export async function makePki(dir: string): Promise<Pki> {
  const run = async (...args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    })
      .output();
    if (!out.success) {
      throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
    }
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=denomas bench CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  const ext = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n" +
    "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n";
  await Deno.writeTextFile(`${dir}/leaf.ext`, ext);
  for (const name of ["server", "client"]) {
    await run(
      "req",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    );
    await run(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-extfile",
      "leaf.ext",
    );
  }
  return {
    ca: `${dir}/ca.pem`,
    serverCert: `${dir}/server.pem`,
    serverKey: `${dir}/server.key`,
    clientCert: `${dir}/client.pem`,
    clientKey: `${dir}/client.key`,
  };
}

/**
 * The TLS material for a run: the test fixtures in `tests/fixtures/pki/` when
 * they are there, else a fresh set made with `openssl` in `tmpDir`.
 */
export async function loadPki(tmpDir: string): Promise<Pki> {
  const dir = new URL("../tests/fixtures/pki/", import.meta.url).pathname;
  const pki: Pki = {
    ca: `${dir}ca.pem`,
    serverCert: `${dir}server.pem`,
    serverKey: `${dir}server.key`,
    clientCert: `${dir}client.pem`,
    clientKey: `${dir}client.key`,
  };
  try {
    for (const path of Object.values(pki)) await Deno.stat(path);
    return pki;
  } catch {
    return await makePki(tmpDir);
  }
}
