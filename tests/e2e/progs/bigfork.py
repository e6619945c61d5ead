"""A parent and its forked child both report a 50-line function 200
times to one pipe: each report (~5 KiB) is longer than what a pipe
keeps whole in one write."""
import os


def big(k):
    x0 = k + 0
    x1 = k + 1
    x2 = k + 2
    x3 = k + 3
    x4 = k + 4
    x5 = k + 5
    x6 = k + 6
    x7 = k + 7
    x8 = k + 8
    x9 = k + 9
    x10 = k + 10
    x11 = k + 11
    x12 = k + 12
    x13 = k + 13
    x14 = k + 14
    x15 = k + 15
    x16 = k + 16
    x17 = k + 17
    x18 = k + 18
    x19 = k + 19
    x20 = k + 20
    x21 = k + 21
    x22 = k + 22
    x23 = k + 23
    x24 = k + 24
    x25 = k + 25
    x26 = k + 26
    x27 = k + 27
    x28 = k + 28
    x29 = k + 29
    x30 = k + 30
    x31 = k + 31
    x32 = k + 32
    x33 = k + 33
    x34 = k + 34
    x35 = k + 35
    x36 = k + 36
    x37 = k + 37
    x38 = k + 38
    x39 = k + 39
    x40 = k + 40
    x41 = k + 41
    x42 = k + 42
    x43 = k + 43
    x44 = k + 44
    x45 = k + 45
    x46 = k + 46
    x47 = k + 47
    x48 = k + 48
    x49 = k + 49
    return x49


pid = os.fork()
for i in range(200):
    big(i)
if pid:
    os.waitpid(pid, 0)
    print("parent")
else:
    print("child", flush=True)
    os._exit(0)
