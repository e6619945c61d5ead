"""Selected generators that are not run to the end: left by break, closed by
garbage collection, closed explicitly; and a coroutine closed explicitly."""
import gc


def gen(n):
    for i in range(n):
        yield i
    return


for x in gen(10):
    if x == 2:
        break
print("after break")
g = gen(5)
next(g)
del g
gc.collect()
print("after del")
g = gen(5)
next(g)
g.close()
print("after close")


class Later:
    def __await__(self):
        yield


async def coro():
    await Later()
    return 1


c = coro()
c.send(None)
c.close()
print("after coroutine close")
