"""The aiomas wire protocol, written by hand for the interop demo programs in
this folder: frames, the JSON and MsgPack codecs with tagged values (dates in
containers, proxies), requests answered concurrently, calls in both
directions. Standard library only, plus the ``msgpack`` package for MsgPack
(``apt-get install python3-msgpack``).

This is a demonstration of the protocol, not a replacement for aiomas.
"""

import asyncio
import datetime
import inspect
import json
import struct
import traceback

REQUEST, RESULT, EXCEPTION = 0, 1, 2


class RemoteException(Exception):
    """The peer answered with an EXCEPTION reply; the text is its traceback."""

    def __init__(self, text):
        super().__init__(text)
        self.remote_traceback = text


class Proxy:
    """A remote service object received as a proxy tag: calls go back to the peer."""

    def __init__(self, connection, path):
        self._connection = connection
        self._path = path

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        path = name if self._path == "" else f"{self._path}/{name}"
        return Proxy(self._connection, path)

    async def __call__(self, *args, **kwargs):
        return await self._connection.call(self._path, list(args), kwargs)


class LocalRef:
    """A local service object to send as a proxy tag: the peer calls ``path``."""

    def __init__(self, path):
        self.path = path


def resolve(root, path):
    """Finds the method at ``path``: public attributes, or keys of dicts."""
    obj = root
    where = ""
    for name in path.split("/"):
        if isinstance(obj, dict):
            found = obj.get(name)
        elif not name.startswith("_") and not callable(obj):
            found = getattr(obj, name, None)
        else:
            found = None
        if found is None:
            raise LookupError(f'Name "{name}" not found in "{where}"')
        obj = found
        where = name if where == "" else f"{where}/{name}"
    if not callable(obj) or inspect.isclass(obj):
        raise LookupError(f'Name "{path}" is a service, not a method')
    return obj


class Codec:
    """JSON or MsgPack with aiomas' tagged values. In a container, the date
    serializer has type id 0 and the proxy serializer 1; on a plain RPC
    connection the proxy serializer has type id 0."""

    def __init__(self, name, container, connection):
        self.name = name
        self.connection = connection
        self.date_id = 0 if container else None
        self.proxy_id = 1 if container else 0
        if name == "msgpack":
            import msgpack  # apt-get install python3-msgpack

            self.msgpack = msgpack
        elif name != "json":
            raise ValueError(f"unsupported codec {name!r} (json or msgpack)")

    def _default(self, obj):
        if isinstance(obj, datetime.datetime) and self.date_id is not None:
            return {"__type__": [self.date_id, obj.isoformat()]}
        if isinstance(obj, LocalRef):
            return {"__type__": [self.proxy_id, obj.path]}
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
    """One connection: serves ``service`` to the peer and calls the peer."""

    def __init__(self, reader, writer, service, codec, container):
        self.reader = reader
        self.writer = writer
        self.service = service
        self.codec = Codec(codec, container, self)
        self.next_id = 0
        self.pending = {}
        self.tasks = set()
        self.root = Proxy(self, "")

    async def call(self, path, args, kwargs=None):
        msg_id = self.next_id
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        self.send([REQUEST, msg_id, [path, args, kwargs or {}]])
        return await future

    def send(self, message):
        payload = self.codec.encode(message)
        self.writer.write(struct.pack(">L", len(payload)) + payload)

    async def serve(self):
        """Reads frames until the connection closes."""
        try:
            while True:
                (size,) = struct.unpack(">L", await self.reader.readexactly(4))
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
                            future.set_exception(RemoteException(content))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for task in list(self.tasks):
                task.cancel()
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(ConnectionResetError("connection closed"))
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


class ContainerService:
    """The root service of a container: ``validate_aid`` and ``agents/<id>``."""

    def __init__(self, agents):
        self.agents = agents

    def validate_aid(self, aid):
        agent = self.agents.get(aid)
        return None if agent is None else type(agent).__name__
