"""Workload 2, native-extension heavy: zlib compress/decompress, json
dumps/loads, sqlite3 in-memory inserts/selects, ssl.create_default_context()
a few times, and an aiohttp client/server round-trip on 127.0.0.1 when
aiohttp can be imported (else that part is skipped and the output says so).

    python w2_native.py SCALE       (SCALE = total rounds; hot() runs
                                     min(4, SCALE) times, sharing them)

The aiohttp server runs in this process on an ephemeral 127.0.0.1 port,
only while the event loop runs, and is closed before exit.
Prints a checksum, `aiohttp ...` and `calls N`.
"""
import asyncio
import json
import sqlite3
import ssl
import sys
import zlib

try:
    import aiohttp
    from aiohttp import web
except ImportError as e:  # not installable for this interpreter
    aiohttp = None
    AIOHTTP_WHY = "%s" % e

BODY = b"".join(b"%06d native line of text to compress\n" % i for i in range(4000))


class Aio:
    """An aiohttp server on 127.0.0.1 and one client session, driven by a
    private event loop that runs only inside round_trip()."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self._start())

    async def _start(self):
        async def handler(request):
            data = await request.read()
            return web.Response(body=zlib.compress(data, 1))

        app = web.Application()
        app.router.add_post("/echo", handler)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = "http://127.0.0.1:%d/echo" % port
        self.session = aiohttp.ClientSession()

    async def _round_trip(self, payload):
        async with self.session.post(self.url, data=payload) as resp:
            return len(zlib.decompress(await resp.read()))

    def round_trip(self, payload):
        return self.loop.run_until_complete(self._round_trip(payload))

    def close(self):
        async def stop():
            await self.session.close()
            await self.runner.cleanup()
        self.loop.run_until_complete(stop())
        self.loop.close()


def hot(rounds, aio):
    total = 0
    for r in range(rounds):
        packed = zlib.compress(BODY, 6)
        total += len(zlib.decompress(packed))
        rows = [{"id": i, "v": "x%d" % (i * r), "f": i / 7.0} for i in range(2000)]
        text = json.dumps(rows)
        total += len(json.loads(text))
        con = sqlite3.connect(":memory:")
        con.execute("create table t (id integer primary key, v text, f real)")
        con.executemany("insert into t values (?, ?, ?)",
                        [(d["id"], d["v"], d["f"]) for d in rows])
        total += con.execute("select count(*), sum(length(v)) from t where id % 3 = 0").fetchone()[1]
        total += len(con.execute("select v from t order by v desc limit 500").fetchall())
        con.close()
        if r % 4 == 0:
            ctx = ssl.create_default_context()
            total += len(ctx.get_ca_certs()) * 0
        if aio is not None:
            total += aio.round_trip(packed)
    return total


def main(argv):
    scale = int(argv[0]) if argv else 40
    aio = Aio() if aiohttp is not None else None
    calls = min(4, scale)
    total = 0
    for c in range(calls):
        total += hot(scale // calls + (1 if c < scale % calls else 0), aio)
    if aio is not None:
        aio.close()
        print("aiohttp", aiohttp.__version__, "round-trips", scale)
    else:
        print("aiohttp skipped:", AIOHTTP_WHY)
    print("checksum", total)
    print("calls", calls)


if __name__ == "__main__":
    main(sys.argv[1:])
