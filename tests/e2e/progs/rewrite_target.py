"""Compiled by rewritten.py from a rewritten tree, as pytest compiles a
test module whose asserts it rewrites."""


class Box:
    def grow(self, n):
        buf = bytearray(n)  # L:grow
        assert len(buf) == n
        return len(buf)


def grow(n, *more, scale=1, **kw):
    return bytearray(n * scale)
