/**
 * The client side of `bench/connections.ts`: holds many raw TCP connections
 * to a denomas RPC server (JSON codec) and acts on commands read line by
 * line from standard input, answering each with one line on standard output:
 *
 * - `OPEN <n>` opens `n` connections and leaves them idle → `OPENED <n>`
 * - `CALL` makes one small call (`add(1, 2)`) on every connection → `CALLED <n>`
 * - `ANNOUNCE <n> <bytes>` opens `n` connections that each send only a frame
 *   header announcing `bytes` → `ANNOUNCED <n>`
 * - `CLOSE` closes every connection → `CLOSED`
 *
 * Frames are written with the raw helpers of `bench/_common.ts`, so the
 * server sees the exact bytes a peer would send.
 *
 * ```sh
 * deno run -A bench/_connections_client.ts 127.0.0.1:5555
 * ```
 *
 * @module
 */

import { frames, writeAll } from "./_common.ts";

const [hostname, portText] = (Deno.args[0] ?? "").split(/:(?=\d+$)/);
const port = Number(portText);
if (!hostname || !Number.isInteger(port)) {
  console.error("usage: _connections_client.ts host:port");
  Deno.exit(2);
}

/** Connections opened at the same time (more overflow the listen backlog). */
const CONNECT_BATCH = 200;
const encoder = new TextEncoder();
const conns: Deno.TcpConn[] = [];

async function open(count: number, first?: Uint8Array): Promise<void> {
  for (let done = 0; done < count; done += CONNECT_BATCH) {
    const batch = Math.min(CONNECT_BATCH, count - done);
    const opened = await Promise.all(
      Array.from({ length: batch }, async () => {
        const conn = await Deno.connect({ hostname, port });
        if (first !== undefined) await conn.write(first);
        return conn;
      }),
    );
    conns.push(...opened);
  }
}

/** One `add(1, 2)` call and its reply `[1, 0, 3]`. */
async function call(conn: Deno.Conn): Promise<void> {
  await writeAll(conn, frames(encoder.encode(JSON.stringify([0, 0, ["add", [1, 2], {}]]))));
  const buffer = new Uint8Array(256);
  let received = 0;
  while (received < 4 || received < 4 + new DataView(buffer.buffer).getUint32(0)) {
    const count = await conn.read(buffer.subarray(received));
    if (count === null) throw new Error("the server closed a connection during a call");
    received += count;
  }
  const reply = new TextDecoder().decode(buffer.subarray(4, received));
  if (reply.replaceAll(" ", "") !== "[1,0,3]") throw new Error(`unexpected reply ${reply}`);
}

async function callAll(): Promise<void> {
  for (let done = 0; done < conns.length; done += CONNECT_BATCH) {
    await Promise.all(conns.slice(done, done + CONNECT_BATCH).map(call));
  }
}

const say = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

let rest = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  rest += chunk;
  for (let i; (i = rest.indexOf("\n")) >= 0;) {
    const [command, ...args] = rest.slice(0, i).trim().split(" ");
    rest = rest.slice(i + 1);
    if (command === "OPEN") {
      await open(Number(args[0]));
      say(`OPENED ${conns.length}`);
    } else if (command === "CALL") {
      await callAll();
      say(`CALLED ${conns.length}`);
    } else if (command === "ANNOUNCE") {
      const header = new Uint8Array(4);
      new DataView(header.buffer).setUint32(0, Number(args[1]));
      await open(Number(args[0]), header);
      say(`ANNOUNCED ${conns.length}`);
    } else if (command === "CLOSE") {
      for (const conn of conns.splice(0)) conn.close();
      say("CLOSED");
    }
  }
}
for (const conn of conns) conn.close();
