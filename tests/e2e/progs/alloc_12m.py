"""One block of 12 MiB exactly (a bytearray holds one byte more than its
length), a size class of jemalloc, mimalloc and tcmalloc alike."""


def work():
    a = bytearray(12 * 1024 * 1024 - 1)  # L:alloc
    del a  # L:free
    return 1


print(work())
