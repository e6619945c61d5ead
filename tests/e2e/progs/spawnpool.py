"""A spawned process pool left to the exit handlers, with every function
selected: the processes tear their modules down (memline's own too) while
Python still runs; memline must say nothing then."""
import time
from concurrent.futures import ProcessPoolExecutor


def sleep_and_print(t, msg):
    time.sleep(t)
    print(msg, flush=True)


if __name__ == "__main__":
    from multiprocessing import get_context
    t = ProcessPoolExecutor(2, mp_context=get_context("spawn"))
    t.submit(sleep_and_print, 0.5, "apple")
