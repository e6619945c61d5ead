"""Workload 3, the seed's two functions against a local ~200 KB page.

A threaded http.server on an ephemeral 127.0.0.1 port serves a 200 KB
page; profile_get_request(url) does requests.get(url).content, and
get_page_async(url) fetches it with aiohttp.  Both are called SCALE times
(the async ones in batches of 4 concurrent tasks).  The server is shut
down before exit, and a watchdog timer shuts it down after 600 s anyway.

    python w3_seed.py SCALE

Prints a checksum, `aiohttp ...` and `calls N`, N = how many times the two
functions ran together.
"""
import asyncio
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

try:
    import aiohttp
except ImportError as e:  # not installable for this interpreter
    aiohttp = None
    AIOHTTP_WHY = "%s" % e

PAGE = b"".join(b"<p>line %06d of a page of about 200 KB</p>\n" % i
                for i in range(4700))[:200 * 1024]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def profile_get_request(url):
    response = requests.get(url)
    return response.content


async def get_page_async(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            page = await response.read()
    return page


async def fetch_all(url, n):
    total = 0
    for i in range(0, n, 4):
        pages = await asyncio.gather(*(get_page_async(url) for _ in range(min(4, n - i))))
        total += sum(len(p) for p in pages)
    return total


def main(argv):
    n = int(argv[0]) if argv else 100
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    watchdog = threading.Timer(600, server.shutdown)
    watchdog.daemon = True
    watchdog.start()
    url = "http://127.0.0.1:%d/page" % server.server_address[1]
    try:
        total = 0
        for _ in range(n):
            total += len(profile_get_request(url))
        calls = n
        if aiohttp is not None:
            total += asyncio.run(fetch_all(url, n))
            calls += n
            print("aiohttp", aiohttp.__version__)
        else:
            print("aiohttp skipped:", AIOHTTP_WHY)
    finally:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
    print("checksum", total)
    print("calls", calls)


if __name__ == "__main__":
    main(sys.argv[1:])
