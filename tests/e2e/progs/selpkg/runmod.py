"""Run as python -m selpkg.runmod (test_lines.py): selectors name it by
that name, or by __main__."""


def fx(n):  # L:fx
    return len(bytearray(n))


def gx(n):  # L:gx
    return len(bytearray(n))


if __name__ == "__main__":
    print(fx(10), gx(20))
