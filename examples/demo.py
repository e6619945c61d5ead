"""The bundled example: the shapes of work the Azure guide profiles, with
no profiler import and no decorator.  Run it under memline:

    MEMLINE_FUNCTIONS=build_report,fetch_all LD_PRELOAD=$PWD/build/libmemline.so python3 examples/demo.py
"""
import asyncio
import json
import zlib


def load_rows(n):
    return [{"id": i, "name": "row-%d" % i, "tags": ["a", "b"]} for i in range(n)]


def build_report(n):
    rows = load_rows(n)
    text = json.dumps(rows)
    packed = zlib.compress(text.encode(), 1)
    scratch = bytearray(20_000_000)
    del scratch
    return len(packed)


async def fetch_one(i):
    await asyncio.sleep(0.01)
    return b"x" * 1_000_000


async def fetch_all():
    pages = []
    for i in range(3):
        pages.append(await fetch_one(i))
    return sum(len(p) for p in pages)


if __name__ == "__main__":
    print("packed bytes:", build_report(50_000))
    print("fetched bytes:", asyncio.run(fetch_all()))
