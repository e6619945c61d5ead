"""A recursive generator or coroutine (recursion through yield from or
await) into which a throw or a cancel is passed down: the level that
catches it starts a new level of itself without the outer call's frame on
the stack, and that new level reported on its own, as if it were a call.

    python recursion_throw.py throw|cancel|unfinished
"""
import asyncio
import sys


def work(depth=0):
    if depth < 2:                               # L:if
        try:                                    # L:try
            yield from work(depth + 1)          # L:first
        except ValueError:                      # L:exc
            pass
        yield from work(depth + 1)              # L:again
    else:
        yield bytearray(1_000_000)              # L:leaf


async def awork(depth=0):
    if depth < 2:                               # L:aif
        try:                                    # L:atry
            await awork(depth + 1)              # L:afirst
        except asyncio.CancelledError:          # L:aexc
            pass
        await awork(depth + 1)                  # L:aagain
    else:
        await asyncio.sleep(0.05)               # L:asleep
    return depth                                # L:aret


async def main():
    t = asyncio.ensure_future(awork())
    await asyncio.sleep(0.01)
    t.cancel()
    print(await t)


how = sys.argv[1]
if how == "cancel":
    asyncio.run(main())
else:
    g = work()
    print(len(next(g)))
    print(len(g.throw(ValueError(7))))
    if how == "throw":
        print(len(list(g)))
