"""def and class statements whose body is on the header's logical line
(after a long signature, after a backslash): a comment below them is not
theirs, as inspect.getblock has it; after an indented body it is.

    python oneline_blocks.py ranges    prints NAME FIRST LAST per block
    python oneline_blocks.py           runs them
"""
import asyncio
import sys


def sig(
    n,
): return bytearray(n)
    # a comment indented as the body: not sig's


def cont(n): \
    return bytearray(n)
    # not cont's either


async def acont(n): \
        return bytearray(n)
        # nor acont's


def hashed(n):  # a comment that ends in a backslash is no continuation \
    return bytearray(n)
    # hashed's: its body is an indented block


def quoted(n, s="# \\"): \
    return bytearray(n)
    # not quoted's


def block(n):
    return bytearray(n)
    # block's


class K(
    object,
): x = bytearray(10)
    # not K's


NAMES = ["sig", "cont", "acont", "hashed", "quoted", "block", "K"]

if __name__ == "__main__":
    if sys.argv[1:] == ["ranges"]:
        import inspect
        for name in NAMES:
            lines, first = inspect.getsourcelines(globals()[name])
            print(name, first, first + len(lines) - 1)
    else:
        for f in (sig, cont, hashed, quoted, block):
            f(1000)
        asyncio.run(acont(1000))
        print("done")
