import asyncio
import sys


def loops(n):
    total = 0
    for i in range(n):
        if i % 3 == 0:
            continue
        total += i
    k = 0
    while k < n:
        k += 2
    return total + k


def early(x):
    if x > 5:
        return "big"
    for i in range(10):
        if i == x:
            return i
    return None


def caught(n):
    hits = 0
    for i in range(n):
        try:
            if i % 2:
                raise ValueError(i)
            hits += 1
        except ValueError:
            hits -= 1
        finally:
            hits += 10
    return hits


def raising(n):
    x = [0] * n
    if n > 2:
        raise KeyError(n)
    return x


class CM:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def withs(n):
    out = []
    with CM() as c:
        out.append(c)
        for i in range(n):
            with CM():
                out.append(i)
    return len(out)


class ACM:
    async def __aenter__(self):
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *a):
        await asyncio.sleep(0)
        return False


async def awiths(n):
    out = []
    async with ACM() as c:
        out.append(c)
        for i in range(n):
            async with ACM():
                out.append(i)
    return len(out)


def comps(n):
    a = [i * 2 for i in range(n)]
    b = {i: i for i in range(n) if i % 2}
    c = sum(i for i in range(n))
    d = [[j for j in range(i)]
         for i in range(n)]
    return len(a) + len(b) + c + len(d)


print(loops(10), early(3), early(7), early(20), caught(5), withs(3), comps(6))
try:
    raising(5)
except KeyError as e:
    print("KeyError", e)
print(raising(2))
print(asyncio.run(awiths(3)))


def gen(n):
    for i in range(n):
        if i == 1:
            continue
        yield i * 10
    yield -1


def oneline(n):
    t = 0
    for i in range(n): t += i
    while t > 0: t -= 7
    return t


def deco(f):
    return f


@deco
def decorated(n):
    x = [n] * 3
    return x


print(list(gen(4)), oneline(5), decorated(2))


def with_raise(n):
    # 3.9: the exception leaving the with block jumps back inside one line
    # window, and the line event's line (13's except) is not the one the
    # instruction is on
    with CM():
        try:
            n += missing_name  # noqa: F821
        except ValueError:
            n += 1
    return n


try:
    with_raise(1)
except NameError as e:
    print("NameError", e)
