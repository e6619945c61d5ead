"""Run by a relative path (test_lines.py), it changes directory before its
selected function's first report: 3.8 names the script by that relative
path, which must still lead to its source."""
import os


def work(n):  # L:work
    return len(bytearray(n))


os.chdir("/")
print(work(10))
