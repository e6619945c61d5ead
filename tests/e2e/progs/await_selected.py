"""Two selected functions of which one awaits (or yields from) the other:
both report.  After a change meant for recursion, a selected generator or
coroutine started by another selected one's await or yield from was taken
for a recursion and never reported."""
import asyncio


async def inner():
    b = bytearray(3_000_000)                    # L:inner
    await asyncio.sleep(0)
    return len(b)


async def outer():
    return await inner()                        # L:outer


def ginner():
    b = bytearray(2_000_000)                    # L:ginner
    yield len(b)


def gouter():
    x = yield from ginner()                     # L:gouter
    yield x


print(asyncio.run(outer()), list(gouter()))
