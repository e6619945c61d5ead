"""Generators and coroutines started inside a running call of their own
function.  argv[1]: "kept" -- walk() advances an inner walk and keeps it past
its own end; "left" -- the same, the inner walk never resumed (it is still
suspended at exit); "chain" -- a generator recursing through yield from; "dropped" -- that generator dropped halfway, its finalizer
closing the inner ones through the outer; "coro" --
a coroutine started (sent into) inside its own running call, then finished
by a task after that call returned; "eager" (3.12+) -- the same through
asyncio.eager_task_factory; "akept" -- an async generator of the same
function advanced inside it (an await of its __anext__()) and kept;
"aclose" -- a recursive async generator closed after its inner one had
started: the event loop closes the inner one later; "cross" -- walk() advances an inner walk, which a later, separate call of
walk() finishes inside it.  argv[2] of "cross": "outer" -- the first call finishes
before the second; "between" -- the second runs while the first is
suspended."""
import asyncio
import sys

kept = []
tasks = []


def walk(spawn):
    buf = bytes(1_000_000)                  # L:wbuf
    if spawn == "finish":
        done = list(kept[0])                # L:wfinish
    elif spawn:
        inner = walk(False)                 # L:wmake
        next(inner)                         # L:wadvance
        kept.append(inner)                  # L:wkeep
    yield len(buf)                          # L:wyield
    tail = bytes(3_000_000)                 # L:wtail
    yield len(tail)                         # L:wlast


def chain(n):
    keep = bytes(1_000_000)                 # L:ckeep
    yield n                                 # L:cyield
    if n:
        got = yield from chain(n - 1)       # L:cfrom
        return [keep] + got                 # L:cjoin
    return [keep]                           # L:cbase


def drive_chain():
    g = chain(3)
    seen = []
    try:
        while True:
            seen.append(next(g))
    except StopIteration as stop:
        return seen, [len(b) for b in stop.value]


async def agen(spawn):
    buf = bytes(1_000_000)                  # L:abuf
    if spawn:
        inner = agen(False)                 # L:amake
        await inner.__anext__()             # L:aadvance
        kept.append(inner)                  # L:akeep
    yield len(buf)                          # L:ayield
    tail = bytes(3_000_000)                 # L:atail
    yield len(tail)                         # L:alast


async def agen_main():
    first = [x async for x in agen(True)]
    return first, [x async for x in kept[0]]


async def arec(n):
    buf = bytes(1_000_000)                  # L:rbuf
    yield n
    if n:
        async for x in arec(n - 1):         # L:rfor
            yield x


async def arec_main():
    g = arec(1)
    got = [await g.__anext__(), await g.__anext__()]
    await g.aclose()
    return got


def cross(order):
    outer = walk(True)
    first = [next(outer)]
    if order == "outer":
        first += list(outer)
    second = list(walk("finish"))           # a separate call finishes the inner
    return first + list(outer), second


def drop_chain():
    for n in chain(3):
        if n == 1:
            break
    return n


async def job(spawn):
    buf = bytes(1_000_000)                  # L:jbuf
    if spawn == "send":
        inner = job(None)                   # L:jmake
        inner.send(None)                    # L:jsend
        tasks.append(inner)                 # L:jkeep
    elif spawn == "eager":
        tasks.append(asyncio.get_running_loop().create_task(job(None)))  # L:jtask
    await asyncio.sleep(0)                  # L:jsleep
    tail = bytes(2_000_000)                 # L:jtail
    return len(buf) + len(tail)             # L:jret


async def coro_main(mode):
    if mode == "eager":
        asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
        first = await job("eager")
        second = await tasks[0]
    else:
        first = await job("send")
        second = await asyncio.ensure_future(tasks[0])
    return first, second


mode = sys.argv[1]
if mode == "kept":
    print(list(walk(True)))
    print(list(kept[0]))
elif mode == "left":
    print(list(walk(True)))
elif mode == "chain":
    print(drive_chain())
elif mode == "dropped":
    print(drop_chain())
elif mode == "akept":
    print(asyncio.run(agen_main()))
elif mode == "aclose":
    print(asyncio.run(arec_main()))
elif mode == "cross":
    print(cross(sys.argv[2]))
else:
    print(asyncio.run(coro_main(mode)))
