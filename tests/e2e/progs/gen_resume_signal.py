"""A signal handler's exception (KeyboardInterrupt) raised right where a
selected generator resumes after a yield: 3.13 handles pending signals
there before it raises PY_RESUME, so memline took the generator for still
suspended -- the except clause's rows were lost, and one that ended in its
finally was reported unfinished at exit.  zip() trips SIGINT (as Ctrl-C
would: interrupt_main, called by starmap) and resumes the generator with no
check in between.

    python gen_resume_signal.py caught|finally
"""
import itertools
import signal
import sys
import _thread

# as an interactive shell leaves it (a shell script's background job
# starts with SIGINT ignored, and interrupt_main then does nothing)
signal.signal(signal.SIGINT, signal.default_int_handler)


def caught():
    try:
        yield 1                                 # L:c_yield1
        yield 2
    except KeyboardInterrupt:                   # L:c_except
        b = bytearray(2_000_000)                # L:c_b
        del b                                   # L:c_del
        buf = bytearray(3_000_000)              # L:c_buf
    yield len(buf)                              # L:c_yield3


def ended():
    a = bytearray(1_000_000)                    # L:e_a
    try:
        yield 1
        yield 2
    finally:
        print("finally")                        # L:e_print
        del a                                   # L:e_del


g = caught() if sys.argv[1] == "caught" else ended()
print(next(g))
try:
    print(next(zip(itertools.starmap(_thread.interrupt_main, [()]), g)))
except KeyboardInterrupt:
    print("KeyboardInterrupt")
print(list(g))
