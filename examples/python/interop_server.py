#!/usr/bin/env python3
"""A Python peer for denomas' interop client, written against the aiomas wire
protocol with the standard library only (plus the ``msgpack`` package for
``--codec msgpack``: ``apt-get install python3-msgpack``).

It serves the interop contract of ``examples/_interop_contract.ts`` the way a
Python aiomas program does: a plain RPC server, or with ``--agents`` a
container whose agents 0 and 1 serve it. It is a demonstration, not part of
the test suite::

    python3 examples/python/interop_server.py --port 5555 --codec json
    deno run -A examples/interop_client.ts 127.0.0.1:5555 --codec json

    python3 examples/python/interop_server.py --port 5556 --agents
    deno run -A examples/interop_client.ts tcp://127.0.0.1:5556 --codec json

MsgPackBlosc needs python-blosc and is left out.
"""

import argparse
import asyncio
import datetime
import inspect
import json
import signal
import struct
import traceback

REQUEST, RESULT, EXCEPTION = 0, 1, 2
MAX_SLEEP = 10


class Proxy:
    """A remote service object received as a proxy tag: calls go back to the peer."""

    def __init__(self, connection, path):
        self._connection = connection
        self._path = path

    def __getattr__(self, name):
        path = name if self._path == "" else f"{self._path}/{name}"
        return Proxy(self._connection, path)

    async def __call__(self, *args, **kwargs):
        return await self._connection.call(self._path, list(args), kwargs)


class Deep:
    def neg(self, x):
        return -x


class Sub:
    def __init__(self):
        self.deep = Deep()

    def mul(self, a, b):
        return a * b


class Contract:
    """The interop contract; attribute names are the remote names."""

    def __init__(self, agent_mode):
        self.sub = Sub()
        if agent_mode:
            self.now = lambda: datetime.datetime.now(datetime.timezone.utc)

    def add(self, a, b):
        return a + b

    def echo(self, x):
        return x

    def fail(self):
        raise ValueError("fail() was called")

    async def sleep(self, t, v):
        if not 0 <= t <= MAX_SLEEP:
            raise ValueError(f"sleep() takes 0 to {MAX_SLEEP} seconds, got {t}")
        await asyncio.sleep(t)
        return v

    async def callback(self, svc, x):
        return await svc.ping(x)

    async def callback_sub(self, svc, x):
        return await svc.twice(x)


class ContainerService:
    """The root service of a container: validate_aid and agents/<id>."""

    def __init__(self, agents):
        self.agents = agents

    def validate_aid(self, aid):
        return "InteropAgent" if aid in self.agents else None


SERVICE_TYPES = (Contract, Sub, Deep, ContainerService, dict)


def resolve(root, path):
    """Finds the method at ``path``, as aiomas' router does: only public names."""
    obj = root
    parent_path = ""
    for name in path.split("/"):
        if name.startswith("_"):
            raise LookupError(f'Name "{name}" not found in "{parent_path}"')
        if isinstance(obj, dict):
            found = obj.get(name)
        else:
            found = getattr(obj, name, None) if isinstance(obj, SERVICE_TYPES) else None
        if found is None:
            raise LookupError(f'Name "{name}" not found in "{parent_path}"')
        obj = found
        parent_path = name if parent_path == "" else f"{parent_path}/{name}"
    if not callable(obj) or isinstance(obj, SERVICE_TYPES):
        raise LookupError(f'Name "{path}" is a service, not a method')
    return obj


class Codec:
    """JSON or MsgPack with aiomas' tagged values: dates (containers) and proxies."""

    def __init__(self, name, agent_mode, connection):
        self.name = name
        self.agent_mode = agent_mode
        self.connection = connection
        # Type ids: containers register the date serializer first, the proxy last.
        self.date_id = 0 if agent_mode else None
        self.proxy_id = 1 if agent_mode else 0
        if name == "msgpack":
            import msgpack  # apt-get install python3-msgpack

            self.msgpack = msgpack

    def _default(self, obj):
        if isinstance(obj, datetime.datetime) and self.date_id is not None:
            return {"__type__": [self.date_id, obj.isoformat()]}
        raise TypeError(f"Cannot serialize {obj!r}")

    def _hook(self, obj):
        if "__type__" in obj:
            typeid, data = obj["__type__"]
            if typeid == self.date_id:
                return datetime.datetime.fromisoformat(data)
            if typeid == self.proxy_id:
                return Proxy(self.connection, data)
            raise ValueError(f"Unknown type id {typeid}")
        return obj

    def encode(self, value):
        if self.name == "json":
            return json.dumps(value, default=self._default).encode()
        return self.msgpack.packb(value, use_bin_type=True, default=self._default)

    def decode(self, data):
        if self.name == "json":
            return json.loads(data.decode(), object_hook=self._hook)
        return self.msgpack.unpackb(
            data, raw=False, use_list=False, strict_map_key=False, object_hook=self._hook
        )


class Connection:
    def __init__(self, reader, writer, service, codec_name, agent_mode):
        self.reader = reader
        self.writer = writer
        self.service = service
        self.codec = Codec(codec_name, agent_mode, self)
        self.next_id = 0
        self.pending = {}
        self.tasks = set()

    async def call(self, path, args, kwargs):
        msg_id = self.next_id
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        self.send([REQUEST, msg_id, [path, args, kwargs]])
        return await future

    def send(self, message):
        payload = self.codec.encode(message)
        self.writer.write(struct.pack(">L", len(payload)) + payload)

    async def serve(self):
        try:
            while True:
                header = await self.reader.readexactly(4)
                (size,) = struct.unpack(">L", header)
                msg_type, msg_id, content = self.codec.decode(await self.reader.readexactly(size))
                if msg_type == REQUEST:
                    task = asyncio.create_task(self.handle(msg_id, content))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
                else:
                    future = self.pending.pop(msg_id, None)
                    if future is not None and not future.done():
                        if msg_type == RESULT:
                            future.set_result(content)
                        else:
                            future.set_exception(RuntimeError(f"Remote error:\n{content}"))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for task in list(self.tasks):
                task.cancel()
            self.writer.close()

    async def handle(self, msg_id, content):
        try:
            path, args, kwargs = content
            result = resolve(self.service, path)(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            self.send([RESULT, msg_id, result])
        except Exception:
            self.send([EXCEPTION, msg_id, traceback.format_exc()])


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--codec", choices=["json", "msgpack"], default="json")
    parser.add_argument("--agents", action="store_true")
    parser.add_argument("--seconds", type=float)
    options = parser.parse_args()

    if options.agents:
        agents = {"0": Contract(True), "1": Contract(True)}
        service = ContainerService(agents)
    else:
        service = Contract(False)

    async def on_client(reader, writer):
        connection = Connection(reader, writer, service, options.codec, options.agents)
        await connection.serve()

    server = await asyncio.start_server(on_client, options.host, options.port)
    host, port = server.sockets[0].getsockname()[:2]
    address = f"tcp://{host}:{port}" if options.agents else f"{host}:{port}"
    print(f"READY {address}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if options.seconds is not None:
        loop.call_later(options.seconds, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
