"""Run with MEMLINE_FUNCTIONS='*': every function is selected, the import
system's, threading's and logging's included, and memline's own Python
(loading source, the logging sink) calls some of them."""
import os
import sys

if os.environ.get("WITH_LOGGING"):
    import logging                    # threading's functions run meanwhile
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")

import asyncio
import json
import threading


def work():
    a = bytearray(5_000_000)          # L:big
    return len(a)


async def coro():
    await asyncio.sleep(0)
    return work()


def gen():
    yield work()


def audit(event, args):
    # runs inside memline's own PyEval_SetTrace calls before 3.12
    pass


sys.addaudithook(audit)
results = []
t = threading.Thread(target=lambda: results.append(work()))
t.start()
t.join()
results += [work(), asyncio.run(coro()), *gen()]
print(json.dumps(results))
