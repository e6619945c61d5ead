"""One selected generator, advanced by three threads without a lock, and
recursive generators and coroutines ended by a throw, a close, a
cancellation and a timeout."""
import asyncio
import sys
import threading


def rg():
    i = 0
    while i < 30000:
        i += 1
        yield i


def shared():
    g = rg()

    def w():
        for _ in range(12000):
            try:
                next(g)
            except (ValueError, StopIteration):
                pass
    ts = [threading.Thread(target=w) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for _ in g:
        pass
    print("shared done")


def grt(n):
    keep = bytearray(100_000)
    yield n
    if n:
        yield from grt(n - 1)
    yield len(keep)


async def arc(n):
    keep = bytearray(100_000)
    if n == 0:
        await asyncio.sleep(10)
    return await arc(n - 1) if n else len(keep)


async def cancel_and_time_out():
    t = asyncio.ensure_future(arc(3))
    await asyncio.sleep(0.01)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("cancelled")
    try:
        await asyncio.wait_for(arc(3), 0.01)
    except asyncio.TimeoutError:
        print("timed out")


def never_ran():
    x = bytearray(100_000)
    yield len(x)


def ends():
    g = grt(3)
    next(g), next(g), next(g)
    try:
        g.throw(KeyError("k"))
    except KeyError:
        print("thrown")
    g = grt(3)
    next(g), next(g), next(g)
    g.close()
    print("closed")
    asyncio.run(cancel_and_time_out())
    g = never_ran()
    g.close()
    g = never_ran()
    try:
        g.throw(KeyError("k"))
    except KeyError:
        print("thrown before it ran")


if sys.argv[1] == "shared":
    shared()
else:
    ends()
