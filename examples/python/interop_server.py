#!/usr/bin/env python3
"""Serves denomas' interop contract (see ``examples/_interop_contract.ts``)
from Python, over the aiomas wire protocol written by hand in
``aiomas_wire.py``: a plain RPC server, or with ``--agents`` a container whose
agents 0 and 1 serve it. A demonstration, not part of the test suite::

    python3 examples/python/interop_server.py --port 5555 --codec json
    deno run -A examples/interop_client.ts 127.0.0.1:5555 --codec json

    python3 examples/python/interop_server.py --port 5556 --agents
    deno run -A examples/interop_client.ts tcp://127.0.0.1:5556 --codec json

Prints ``READY <address>`` once it listens; stops on SIGINT/SIGTERM or after
``--seconds``. MsgPackBlosc needs python-blosc and is left out.
"""

import argparse
import asyncio
import datetime
import signal

from aiomas_wire import Connection, ContainerService

MAX_SLEEP = 10


class Deep:
    def neg(self, x):
        return -x


class Sub:
    def __init__(self):
        self.deep = Deep()

    def mul(self, a, b):
        return a * b


class InteropService:
    """The contract; attribute names are the remote names."""

    def __init__(self):
        self.sub = Sub()

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


class InteropAgent(InteropService):
    def now(self):
        return datetime.datetime.now(datetime.timezone.utc)


async def main():
    parser = argparse.ArgumentParser(description="Serves the denomas interop contract.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--codec", choices=["json", "msgpack"], default="json")
    parser.add_argument("--agents", action="store_true")
    parser.add_argument("--seconds", type=float)
    options = parser.parse_args()

    if options.agents:
        service = ContainerService({"0": InteropAgent(), "1": InteropAgent()})
    else:
        service = InteropService()

    async def on_client(reader, writer):
        await Connection(reader, writer, service, options.codec, options.agents).serve()

    server = await asyncio.start_server(on_client, options.host, options.port)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"READY {'tcp://' if options.agents else ''}{host}:{port}", flush=True)

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
