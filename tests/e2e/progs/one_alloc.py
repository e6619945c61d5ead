"""One known allocation in a selected function."""


def work():
    a = bytearray(10_000_000)  # L:alloc
    return len(a)


print(work())
