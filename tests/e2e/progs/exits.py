"""Output, return values and exit status with and without memline.
argv[1]: 'exit' (SystemExit(3) raised inside the selected function),
'uncaught' (an exception escapes the selected function and the program),
'chained' (an uncaught exception with a cause, raised in a callee)."""
import sys


def helper(d):
    return d["missing"]


def work(mode):
    print("in work", mode)
    data = [bytes(1000) for _ in range(10)]
    sys.stderr.write("stderr line from work\n")
    if mode == "exit":
        raise SystemExit(3)
    if mode == "uncaught":
        raise ValueError("boom %d" % len(data))
    if mode == "chained":
        try:
            helper({})
        except KeyError as e:
            raise RuntimeError("wrapped") from e
    return {"n": len(data)}


print("start")
print(repr(work("ok")))
sys.stdout.flush()
work(sys.argv[1])
print("not reached")
