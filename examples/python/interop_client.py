#!/usr/bin/env python3
"""Runs denomas' interop contract from Python against a Deno peer
(``examples/interop_server.ts``), over the aiomas wire protocol written by
hand in ``aiomas_wire.py``: Python calling Deno, the other direction of
``examples/interop_client.ts``. A demonstration, not part of the test suite::

    deno run -A examples/interop_server.ts --port 5555 --codec msgpack &
    python3 examples/python/interop_client.py 127.0.0.1:5555 --codec msgpack

    deno run -A examples/interop_server.ts --port 5556 --agents &
    python3 examples/python/interop_client.py tcp://127.0.0.1:5556/0

For agents, this side acts as a container: its agent 0 offers ``ping`` and
``inner/twice`` for the callbacks. Prints one PASS/FAIL line per check and
``N passed, N failed``; exits with status 1 when a check failed.
"""

import argparse
import asyncio
import datetime
import sys
import time

from aiomas_wire import Connection, ContainerService, LocalRef, RemoteException


class Inner:
    def twice(self, x):
        return 2 * x


class Caller:
    def __init__(self):
        self.inner = Inner()

    def ping(self, x):
        return {"pong": x}


def lists(value):
    """Tuples (how MsgPack arrays arrive) as lists, for comparisons."""
    if isinstance(value, (list, tuple)):
        return [lists(v) for v in value]
    if isinstance(value, dict):
        return {k: lists(v) for k, v in value.items()}
    return value


async def expect_error(call, *parts):
    try:
        value = await call
    except RemoteException as error:
        for part in parts:
            assert part in error.remote_traceback, f"{part!r} not in {error.remote_traceback!r}"
        return
    raise AssertionError(f"expected an EXCEPTION reply, got {value!r}")


def checks(call, service, sub_service, codec, agent):
    """The checks as (name, coroutine function) pairs."""

    async def values():
        value = {"text": "ünïcödé 😀", "int": -7, "float": 1.5, "none": None,
                 "list": [1, [2, [3]]], "map": {"k": "v"}}
        assert lists(await call("echo", value)) == value

    async def big_ints():
        for n in (2**53 + 1, -(2**63)):
            assert await call("echo", n) == n
        assert await call("add", 2**53, 1) == 2**53 + 1

    async def concurrency():
        start = time.monotonic()
        order = []

        async def track(label, coro):
            result = await coro
            order.append(label)
            return result

        results = await asyncio.gather(
            track("slow", call("sleep", 0.8, "slow")),
            track("slow", call("sleep", 0.8, "slow")),
            track("fast", call("sleep", 0.05, "fast")),
        )
        assert results == ["slow", "slow", "fast"], results
        assert order[0] == "fast", order
        assert time.monotonic() - start < 1.6

    async def usable_after_errors():
        await expect_error(call("nope"), "nope")
        await expect_error(call("add", 1), "TypeError")
        assert await call("add", 1, 2) == 3

    async def large():
        big_list = list(range(100_000))
        assert lists(await call("echo", big_list)) == big_list
        text = "0123456789abcdéf" * 65536
        assert await call("echo", text) == text

    async def msgpack_types():
        data = bytes(range(256))
        assert await call("echo", data) == data
        assert await call("echo", {1: "one", -2: "two"}) == {1: "one", -2: "two"}

    async def dates():
        now = await call("now")
        assert isinstance(now, datetime.datetime), now
        assert abs((datetime.datetime.now(datetime.timezone.utc) - now).total_seconds()) < 60
        then = datetime.datetime(2026, 11, 24, 15, 46, 9, 954819, tzinfo=datetime.timezone.utc)
        assert await call("echo", then) == then

    async def kwargs():
        assert await call("add", a=2, b=3) == 5

    async def python_plus():
        assert await call("add", "ab", "cd") == "abcd"
        assert lists(await call("add", [1], [2, 3])) == [1, 2, 3]
        assert await call("add", 2**62, 2**62) == 2**63
        await expect_error(call("add", 1, "a"), "TypeError", "'int' and 'str'")

    async def fail():
        await expect_error(call("fail"), "ValueError", "fail() was called")

    async def sub():
        assert await call("sub/mul", 6, 7) == 42
        assert await call("sub/deep/neg", 5) == -5

    async def callbacks():
        assert lists(await call("callback", service, 21)) == {"pong": 21}
        assert await call("callback_sub", sub_service, 21) == 42

    result = [
        ("add(a=2, b=3) with keyword arguments is 5", kwargs),
        ("add() follows Python's +: strings and lists concatenate, int + str is a TypeError",
         python_plus),
        ("echo(x) returns maps, lists, strings, numbers and None unchanged", values),
        ("big integers stay exact", big_ints),
        ("fail() gives an EXCEPTION reply naming ValueError", fail),
        ("sleep() replies are not serialised", concurrency),
        ("sub/mul and sub/deep/neg", sub),
        ("callback and callback_sub call this side back", callbacks),
        ("errors give EXCEPTION replies and the connection stays usable", usable_after_errors),
        ("a list of 100000 ints and a 1 MB string", large),
    ]
    if codec == "msgpack":
        result.append(("bytes and int map keys (MsgPack)", msgpack_types))
    if agent:
        result.append(("now() and dates (agents)", dates))
    return result


async def main():
    parser = argparse.ArgumentParser(description="Runs the denomas interop contract.")
    parser.add_argument("address", help="host:port, or an agent URL tcp://host:port/id")
    parser.add_argument("--codec", choices=["json", "msgpack"], default="json")
    options = parser.parse_args()

    agent = options.address.startswith("tcp://")
    if agent:
        hostport, _, aid = options.address[len("tcp://"):].partition("/")
    else:
        hostport, aid = options.address, None
    host, _, port = hostport.rpartition(":")
    reader, writer = await asyncio.open_connection(host.strip("[]"), int(port))

    caller = Caller()
    if agent:
        # This side is a container too: agent 0 serves the callbacks.
        service = ContainerService({"0": caller})
        refs = LocalRef("agents/0"), LocalRef("agents/0/inner")
    else:
        service = caller
        refs = LocalRef(""), LocalRef("inner")
    connection = Connection(reader, writer, service, options.codec, agent)
    serving = asyncio.create_task(connection.serve())

    prefix = f"agents/{aid}/" if agent else ""

    def call(path, *args, **kwargs):
        return connection.call(prefix + path, list(args), kwargs)

    passed = failed = 0
    if agent:
        name = await connection.call("validate_aid", [aid])
        print(f"{'PASS' if name else 'FAIL'} validate_aid({aid!r}) is {name!r}")
        passed, failed = (1, 0) if name else (0, 1)
    for name, check in checks(call, refs[0], refs[1], options.codec, agent):
        try:
            await asyncio.wait_for(check(), 20)
            print(f"PASS {name}")
            passed += 1
        except Exception as error:
            text = getattr(error, "remote_traceback", None) or repr(error)
            print(f"FAIL {name}: {text.strip().splitlines()[-1]}")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    writer.close()
    serving.cancel()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    asyncio.run(main())
