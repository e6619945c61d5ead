"""Async generators dropped before they end, closed by a finalizer hook."""
import asyncio
import gc
import sys


class Noisy:
    def __del__(self):
        print("locals freed")


async def rows():
    keep = bytes(1_000_000)                 # L:dkeep
    try:
        for i in range(10):
            yield i                         # L:dyield
    finally:
        await asyncio.sleep(0)              # L:dawait
        tail = bytes(3_000_000)             # L:dtail
        print("rows closed", len(tail) + len(keep))


async def consume():
    async for x in rows():
        if x == 2:
            break
    await asyncio.sleep(0.01)
    print("consumer done")


async def held():
    n = Noisy()
    try:
        yield n
    finally:
        await asyncio.sleep(0)              # L:hawait
        print("never here")


def closing_hook(agen):
    # closes the generator itself, as trio does for one not its own
    closer = agen.aclose()
    try:
        closer.send(None)
    except StopIteration:
        pass
    else:
        print("awaited in finalization")


def in_hook():
    sys.set_asyncgen_hooks(finalizer=closing_hook)
    g = held()
    try:
        g.asend(None).send(None)
    except StopIteration:
        print("got a value")
    del g
    gc.collect()        # its GeneratorExit, in a cycle with its frame
    print("after del")


if sys.argv[1] == "break":
    asyncio.run(consume())
else:
    in_hook()
print("end")
