"""greenlet imported only inside a selected function that is already
running: drive() must still be told from the greenlets it starts (it was
parked with them, its lines lost, and reported unfinished at exit)."""


def work(n):
    buf = bytearray(n)                   # L:buf
    main.switch()
    more = bytearray(2 * n)              # L:more
    keep.append(more)
    return len(buf)


def drive():
    global main
    import greenlet                      # L:import
    main = greenlet.getcurrent()
    a = greenlet.greenlet(work)
    b = greenlet.greenlet(work)
    a.switch(1_000_000)                  # L:a
    b.switch(3_000_000)                  # L:b
    x = bytearray(2_000_000)             # L:x
    keep.append(x)
    return a.switch() + b.switch()       # L:finish


keep = []
print(drive())
