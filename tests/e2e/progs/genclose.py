"""Selected generators that are not run to the end: left by break, closed by
garbage collection, closed explicitly."""
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
