"""An async selected coroutine suspended at await while another task
allocates heavily.  Prints, per call of work(), the bytes the hog kept while
the call ran (JSON), then the results."""
import asyncio
import json
import sys

hog_bytes = 0


async def hog(stop):
    global hog_bytes
    keep = []
    while not stop.is_set():
        keep.append(bytes(20_000_000))
        hog_bytes += sys.getsizeof(keep[-1])
        await asyncio.sleep(0.01)
    return len(keep)


async def work(n):
    a = bytearray(10_000_000)        # L:a
    await asyncio.sleep(0.05)        # L:await
    b = bytearray(5_000_000)         # L:b
    return n * 2, len(a) + len(b)


async def main():
    stop = asyncio.Event()
    task = asyncio.ensure_future(hog(stop))
    await asyncio.sleep(0)
    results, during = [], []
    for i in range(3):
        before = hog_bytes
        results.append(await work(i))
        during.append(hog_bytes - before)
    stop.set()
    await task
    return results, during


results, during = asyncio.run(main())
print(json.dumps({"hog": during}))
print(results)
