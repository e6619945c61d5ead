"""Run with fd 1 or 2 closed: the data file the program opens takes that
number, and stays open until exit.  memline must never write into it."""
import sys

data = open(sys.argv[1], "w")
data.write("DATA\n")
data.flush()


def work(n):
    a = bytearray(n)
    return len(a)


work(1000)
data.write("MORE\n")
data.flush()
