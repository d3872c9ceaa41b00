import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects,
  strictEqual,
  throws,
} from "node:assert/strict";
import { TimeoutError } from "../errors.ts";
import {
  type Channel,
  type Conn,
  ConnectionResetError,
  openConnection,
  ProtocolError,
  RemoteException,
  type Request,
  startServer,
  tcpTransport,
  type Transport,
} from "../channel/mod.ts";
import { CodecError, type FallbackSerializer } from "../codecs/mod.ts";
import { Json } from "../codecs/json.ts";
import { MsgPack } from "../codecs/msgpack.ts";
import { RawPeer, TRANSPORTS } from "./_channel_util.ts";
import { Point, pointSerializer } from "./_point.ts";

/** Serves `request.reply(handler(content))` on every channel. */
function echoServer(handler: (content: unknown) => unknown = (content) => content) {
  return (channel: Channel) => channel.serve((request) => request.reply(handler(request.content)));
}

for (const transport of TRANSPORTS) {
  const name = transport.name;

  Deno.test(`${name}: Channel sends a request and receives the reply`, async () => {
    await using bound = await transport.bind();
    const received: unknown[] = [];
    await using server = await startServer(bound.address, async (channel) => {
      const request = await channel.recv();
      received.push(request.content);
      request.reply("cya");
    });
    await using channel = await openConnection(server.address);
    strictEqual(await channel.send("ohai"), "cya");
    assertEquals(received, ["ohai"]);
  });

  Deno.test(`${name}: Request.fail rejects the call with a RemoteException`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, async (channel) => {
      const request = await channel.recv();
      request.fail(new RangeError("out of range: 42"));
    });
    await using channel = await openConnection(server.address);
    await rejects(channel.send("x"), (error) => {
      assert(error instanceof RemoteException);
      strictEqual(error.origin, channel.peer.address);
      assert(error.message.startsWith(`Origin: ${channel.peer.address}\n`));
      assert(error.remoteTraceback.endsWith("RangeError: out of range: 42\n"));
      assert(error.remoteTraceback.includes("    at "), "the stack travels along");
      return true;
    });
  });

  Deno.test(`${name}: replies may come in any order and reach the right caller`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, async (channel) => {
      const requests: Request[] = [];
      for (let i = 0; i < 5; i++) requests.push(await channel.recv());
      for (const request of requests.reverse()) request.reply(`re: ${request.content}`);
    });
    await using channel = await openConnection(server.address);
    const replies = await Promise.all([0, 1, 2, 3, 4].map((i) => channel.send(i)));
    assertEquals(replies, ["re: 0", "re: 1", "re: 2", "re: 3", "re: 4"]);
  });

  Deno.test(`${name}: both ends send requests over one connection`, async () => {
    await using bound = await transport.bind();
    const fromClient: unknown[] = [];
    await using server = await startServer(bound.address, (channel) => {
      channel.serve(async (request) => {
        fromClient.push(request.content);
        // Call back into the client before answering.
        request.reply([request.content, await channel.send("server asks")]);
      });
    });
    await using channel = await openConnection(server.address);
    channel.serve((request) => request.reply(`client answers ${request.content}`));
    assertEquals(await channel.send("client asks"), [
      "client asks",
      "client answers server asks",
    ]);
    assertEquals(fromClient, ["client asks"]);
  });

  Deno.test(`${name}: async iteration yields requests and ends when the peer closes`, async () => {
    await using bound = await transport.bind();
    const seen: unknown[] = [];
    const { promise: ended, resolve: end } = Promise.withResolvers<void>();
    await using server = await startServer(bound.address, async (channel) => {
      for await (const request of channel) {
        seen.push(request.content);
        request.reply(null);
      }
      end();
    });
    const channel = await openConnection(server.address);
    for (const content of [1, "two", [3]]) await channel.send(content);
    await channel.close();
    await ended;
    assertEquals(seen, [1, "two", [3]]);
  });

  Deno.test(`${name}: serve() takes queued requests first, then new ones`, async () => {
    await using bound = await transport.bind();
    const order: unknown[] = [];
    const { promise: served, resolve: startServing } = Promise.withResolvers<void>();
    await using server = await startServer(bound.address, async (channel) => {
      await served;
      channel.serve((request) => {
        order.push(request.content);
        request.reply(request.content);
      });
      await rejects(channel.recv(), /serve\(\)/);
      throws(() => channel.serve(() => {}), /served already/);
    });
    await using channel = await openConnection(server.address);
    const early = [channel.send("a"), channel.send("b")];
    // Make sure both requests arrived (and were queued) before serve() starts.
    while (server.channels.size === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const late = channel.send("c");
    await new Promise((resolve) => setTimeout(resolve, 20));
    startServing();
    assertEquals(await Promise.all([...early, late]), ["a", "b", "c"]);
    assertEquals(order.slice(0, 2), ["a", "b"]);
  });

  Deno.test(`${name}: a handler that throws fails the request`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, (channel) => {
      channel.serve((request) => {
        if (request.content === "sync") throw new TypeError("sync failure");
        return Promise.reject(new SyntaxError("async failure"));
      });
    });
    await using channel = await openConnection(server.address);
    await rejects(channel.send("sync"), (error) => {
      return error instanceof RemoteException &&
        error.remoteTraceback.endsWith("TypeError: sync failure\n");
    });
    await rejects(channel.send("async"), (error) => {
      return error instanceof RemoteException &&
        error.remoteTraceback.endsWith("SyntaxError: async failure\n");
    });
  });

  Deno.test(`${name}: a request is answered once only`, async () => {
    await using bound = await transport.bind();
    const errors: unknown[] = [];
    await using server = await startServer(bound.address, async (channel) => {
      const request = await channel.recv();
      strictEqual(request.answered, false);
      strictEqual(request.reply(1), true);
      strictEqual(request.answered, true);
      try {
        request.reply(2);
      } catch (error) {
        errors.push(error);
      }
      try {
        request.fail(new Error("late"));
      } catch (error) {
        errors.push(error);
      }
    });
    await using channel = await openConnection(server.address);
    strictEqual(await channel.send("x"), 1);
    strictEqual(errors.length, 2);
    assert(
      errors.every((error) => error instanceof Error && /answered already/.test(error.message)),
    );
  });

  Deno.test(`${name}: a reply the codec cannot encode arrives as an EXCEPTION`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(
      bound.address,
      // JSON has no bytes.
      echoServer((content) => content === "bytes" ? new Uint8Array([1, 2]) : content),
    );
    await using channel = await openConnection(server.address);
    await rejects(channel.send("bytes"), (error) => {
      return error instanceof RemoteException && /CodecError: .+\n$/.test(error.remoteTraceback);
    });
    strictEqual(await channel.send("text"), "text");
  });

  Deno.test(`${name}: send() rejects content the codec cannot encode, and the channel stays`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, echoServer());
    await using channel = await openConnection(server.address);
    await rejects(channel.send(new Uint8Array(1)), CodecError);
    strictEqual(await channel.send("still here"), "still here");
  });

  Deno.test(`${name}: a timed-out call rejects and its late reply is dropped`, async () => {
    await using bound = await transport.bind();
    const { promise: release, resolve: releaseReply } = Promise.withResolvers<void>();
    const { promise: replied, resolve: onReplied } = Promise.withResolvers<void>();
    await using server = await startServer(bound.address, (channel) => {
      channel.serve(async (request) => {
        if (request.content === "slow") {
          await release;
          request.reply("too late");
          onReplied();
        } else {
          request.reply(request.content);
        }
      });
    });
    await using channel = await openConnection(server.address);
    await rejects(channel.send("slow", { timeout: 10 }), (error) => {
      return error instanceof TimeoutError &&
        error.message.includes("timed out after 10 ms");
    });
    releaseReply();
    await replied;
    // The late reply (id 0) must not be taken for the next call's reply.
    strictEqual(await channel.send("next"), "next");
    strictEqual(channel.isClosed, false);
  });

  Deno.test(`${name}: an aborted call rejects at once with the signal's reason`, async () => {
    await using bound = await transport.bind();
    const pending: Request[] = [];
    await using server = await startServer(bound.address, async (channel) => {
      for await (const request of channel) pending.push(request);
    });
    await using channel = await openConnection(server.address);
    const controller = new AbortController();
    const call = channel.send("wait", { signal: controller.signal });
    const reason = new Error("user gave up");
    controller.abort(reason);
    await rejects(call, (error) => error === reason);
    // A signal that is aborted already: nothing is sent.
    await rejects(channel.send("never", { signal: AbortSignal.abort("no") }), (error) => {
      return error === "no";
    });
    while (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    pending[0].reply("late");
    const next = channel.send("next");
    while (pending.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    assertEquals(pending.map((request) => request.content), ["wait", "next"]);
    pending[1].reply("fine");
    strictEqual(await next, "fine");
  });

  Deno.test(`${name}: calls with different timeouts expire in deadline order`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, (channel) => {
      channel.serve(() => {}); // never answers
    });
    await using channel = await openConnection(server.address);
    const settled: string[] = [];
    const track = (name: string, call: Promise<unknown>) =>
      call.then(() => settled.push(`${name} resolved`), (error) => {
        settled.push(error instanceof TimeoutError ? name : "?");
      });
    const slow = track("slow", channel.send(1, { timeout: 150 }));
    const fast = track("fast", channel.send(2, { timeout: 5 }));
    await fast;
    assertEquals(settled, ["fast"]);
    await slow;
    assertEquals(settled, ["fast", "slow"]);
  });

  Deno.test(`${name}: a call with a timeout that gets its reply in time clears its timer`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, echoServer());
    await using channel = await openConnection(server.address);
    const controller = new AbortController();
    strictEqual(await channel.send(7, { timeout: 60_000, signal: controller.signal }), 7);
    controller.abort(); // must not reach the finished call
    // The test's timer sanitizer fails if the 60 s timer was left running.
  });

  Deno.test(`${name}: a peer closing mid-call fails pending calls with ConnectionResetError`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, async (channel) => {
      await channel.recv();
      await channel.close();
    });
    await using channel = await openConnection(server.address);
    await rejects(channel.send("hello"), (error) => {
      assert(error instanceof ConnectionResetError);
      strictEqual(error.peer, channel.peer.address);
      assert(error.message.includes(channel.peer.address));
      assert(error.message.includes("closed by the peer"));
      return true;
    });
    const reason = await channel.closed;
    assert(reason instanceof ConnectionResetError);
    strictEqual(channel.isClosed, true);
    // Later sends fail at once.
    await rejects(channel.send("again"), ConnectionResetError);
    await rejects(channel.recv(), ConnectionResetError);
  });

  Deno.test(`${name}: close() fails pending calls and resolves closed with undefined`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, async (channel) => {
      await channel.recv(); // never answered
    });
    const channel = await openConnection(server.address);
    const call = rejects(channel.send("pending"), (error) => {
      return error instanceof ConnectionResetError && error.message.includes("closed by this side");
    });
    const receive = rejects(channel.recv(), ConnectionResetError);
    await channel.close();
    await call;
    await receive;
    strictEqual(await channel.closed, undefined);
    await channel.close(); // idempotent
  });

  Deno.test(`${name}: a reply queued just before close() still reaches the peer`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, async (channel) => {
      const request = await channel.recv();
      request.reply("cya");
      await channel.close();
    });
    await using channel = await openConnection(server.address);
    strictEqual(await channel.send("ohai"), "cya");
  });

  Deno.test(`${name}: MsgPack on both ends carries bytes and big integers`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, echoServer(), { codec: MsgPack });
    await using channel = await openConnection(server.address, { codec: MsgPack });
    strictEqual(channel.codec.name, "msgpack");
    const content = { bytes: new Uint8Array([0, 255, 7]), big: 2n ** 63n, list: [1.5, "ü"] };
    assertEquals(await channel.send(content), content);
  });

  Deno.test(`${name}: an extra serializer works both ways`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(
      bound.address,
      echoServer((content) => {
        assert(content instanceof Point);
        return new Point(content.y, content.x);
      }),
      { extraSerializers: [pointSerializer] },
    );
    await using channel = await openConnection(server.address, {
      extraSerializers: [pointSerializer],
    });
    assertEquals(await channel.send(new Point(1, 2)), new Point(2, 1));
  });

  Deno.test(`${name}: the fallback serializer is made per channel after the extras`, async () => {
    await using bound = await transport.bind();
    class Handle {
      constructor(readonly name: string) {}
    }
    const madeFor: Channel[] = [];
    const fallback = (channel: Channel): FallbackSerializer => {
      madeFor.push(channel);
      return {
        test: (value) => value instanceof Handle,
        serialize: (value) => (value as Handle).name,
        deserialize: (data) => new Handle(`${data}@here`),
      };
    };
    const options = { extraSerializers: [pointSerializer], fallbackSerializer: fallback };
    await using server = await startServer(bound.address, echoServer(), options);
    await using channel = await openConnection(server.address, options);
    // Type ids: the extra gets 0, the fallback 1.
    const bytes = new TextDecoder().decode(channel.codec.encode(new Handle("h")));
    strictEqual(bytes, '{"__type__":[1,"h"]}');
    const reply = await channel.send([new Handle("h"), new Point(3, 4)]);
    assertEquals(reply, [new Handle("h@here@here"), new Point(3, 4)]);
    strictEqual(madeFor.length, 2);
    assert(madeFor.includes(channel));
  });

  Deno.test(`${name}: a message above maxFrameSize is refused before it is sent`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, echoServer());
    await using channel = await openConnection(server.address, { maxFrameSize: 100 });
    await rejects(channel.send("x".repeat(200)), (error) => {
      return error instanceof ProtocolError && error.message.includes("limit of 100 bytes");
    });
    strictEqual(await channel.send("small"), "small");
  });

  Deno.test(`${name}: a reply above maxFrameSize turns into an EXCEPTION`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(
      bound.address,
      echoServer(() => "y".repeat(500)),
      { maxFrameSize: 200 },
    );
    await using channel = await openConnection(server.address);
    await rejects(channel.send("x"), (error) => {
      return error instanceof RemoteException &&
        error.remoteTraceback.endsWith("limit of 200 bytes (maxFrameSize)\n");
    });
  });

  Deno.test(`${name}: frames queued in one tick leave in one write`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, echoServer());
    const writes: number[] = [];
    const counting: Transport = {
      listen: (endpoint) => tcpTransport.listen(endpoint),
      async connect(endpoint, signal) {
        const conn = await tcpTransport.connect(endpoint, signal);
        const wrapped: Conn = {
          peer: conn.peer,
          localAddress: conn.localAddress,
          read: (buffer) => conn.read(buffer),
          write: (data) => {
            writes.push(data.length);
            return conn.write(data);
          },
          close: () => conn.close(),
        };
        return wrapped;
      },
    };
    await using channel = await openConnection(server.address, { transport: counting });
    const calls = Array.from({ length: 50 }, (_, i) => channel.send(i));
    assertEquals(await Promise.all(calls), Array.from({ length: 50 }, (_, i) => i));
    strictEqual(writes.length, 1, `50 small frames took ${writes.length} writes`);
  });

  Deno.test(`${name}: a peer that does not read cannot make the write queue grow without bound`, async () => {
    await using bound = await transport.bind();
    const highWaterMark = 64 * 1024;
    let maxBuffered = 0;
    let served = 0;
    const { promise: accepted, resolve: accept } = Promise.withResolvers<Channel>();
    await using server = await startServer(bound.address, (channel) => {
      accept(channel);
      channel.serve((request) => {
        maxBuffered = Math.max(maxBuffered, channel.bufferedAmount);
        served++;
        request.reply(request.content);
      });
    }, { highWaterMark, codec: MsgPack });
    // A raw client writes 64 MiB of requests and reads no reply until the server stops reading.
    await using peer = await RawPeer.connect(server);
    const total = 1024;
    const codec = new MsgPack();
    const payload = new Uint8Array(64 * 1024);
    const writing = (async () => {
      for (let id = 0; id < total; id++) await peer.writeFrame(codec.encode([0, id, payload]));
    })();
    const channel = await accepted;
    // Wait until the server stops reading: `served` unchanged over five polls.
    for (let last = -1, stable = 0; stable < 5;) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (served === last) stable++;
      else [last, stable] = [served, 0];
    }
    const pausedAt = served;
    assert(channel.bufferedAmount > 0, "replies wait in the queue");
    for (let id = 0; id < total; id++) {
      const reply = codec.decode((await peer.readFrame())!) as unknown[];
      assertEquals(reply.slice(0, 2), [1, id]);
    }
    await writing;
    strictEqual(served, total);
    assert(pausedAt < total, "the server stopped reading before it had read everything");
    // Reading pauses above 4 × highWaterMark; one read's worth of requests may follow.
    assert(
      maxBuffered < 4 * highWaterMark + 256 * 1024,
      `write queue reached ${maxBuffered} bytes`,
    );
  });

  Deno.test(`${name}: send() waits while the write queue is above the high-water mark`, async () => {
    await using bound = await transport.bind();
    await using server = await startServer(bound.address, echoServer(() => 0), { codec: MsgPack });
    await using channel = await openConnection(server.address, {
      codec: MsgPack,
      highWaterMark: 1024,
    });
    const payload = new Uint8Array(4096);
    const first = channel.send(payload);
    // The first frame is queued synchronously; the second waits for it to drain.
    assert(channel.bufferedAmount > 1024);
    const second = channel.send(payload);
    assert(channel.bufferedAmount < 2 * 4096, "the second frame must not be queued yet");
    assertEquals(await Promise.all([first, second]), [0, 0]);
  });
}

Deno.test("Channel works over a custom transport", async () => {
  await using server = await startServer(["127.0.0.1", 0], echoServer());
  let connects = 0;
  const transport: Transport = {
    listen: (endpoint) => tcpTransport.listen(endpoint),
    connect(endpoint, signal) {
      connects++;
      return tcpTransport.connect(endpoint, signal);
    },
  };
  await using channel = await openConnection(server.address, { transport, codec: Json });
  strictEqual(await channel.send("via custom"), "via custom");
  strictEqual(connects, 1);
});

Deno.test("a call waiting for the write queue to drain can still be aborted at once", async () => {
  // A raw peer that accepts the connection but never reads: the queue stays full.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const accepting = listener.accept();
    const channel = await openConnection(["127.0.0.1", listener.addr.port], {
      codec: MsgPack,
      highWaterMark: 1024,
    });
    const peer = await accepting;
    try {
      // 32 MiB cannot all go into the socket buffers of a peer that does not read.
      const first = rejects(channel.send(new Uint8Array(32 << 20)), ConnectionResetError);
      const controller = new AbortController();
      const waiting = channel.send("queued behind", { signal: controller.signal });
      const timing = channel.send("queued too", { timeout: 5 });
      const reason = new Error("no more waiting");
      controller.abort(reason);
      await rejects(waiting, (error) => error === reason);
      await rejects(timing, (error) => {
        return error instanceof TimeoutError &&
          error.message.includes("waiting to be sent");
      });
      assert(channel.bufferedAmount > 1024, "the queue never drained");
      peer.close();
      await channel.close();
      await first;
    } finally {
      closeIfOpen(peer);
    }
  } finally {
    listener.close();
  }
});

/** Closes a connection that the test may have closed already. */
function closeIfOpen(conn: { close(): void }): void {
  try {
    conn.close();
  } catch (error) {
    if (!(error instanceof Deno.errors.BadResource)) throw error;
  }
}
