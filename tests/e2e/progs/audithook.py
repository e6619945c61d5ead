"""An audit hook written in Python (CPython runs it inside PyEval_SetTrace,
which memline calls before 3.12) and a selected function with callees."""
import sys

calls = []


def hook(event, args):
    calls.append(event)


sys.addaudithook(hook)


def helper(n):
    return [n] * 1000


def work():
    a = helper(1)
    b = helper(2)
    return len(a) + len(b)


print(work(), work())
