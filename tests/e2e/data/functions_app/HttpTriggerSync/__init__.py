# HttpTriggerSync/__init__.py -- the guide's synchronous trigger, without the
# network: fetch() stands in for requests.get, so the report is reproducible.
import logging
import zlib


class Response:
    def __init__(self, content):
        self.content = content


def fetch(url):
    page = (url.encode() + b" <p>Microsoft</p>") * 100_000
    return Response(zlib.compress(page, 1) + bytes(3_000_000))


def main(req):
    logging.info("Python HTTP trigger function processed a request.")
    content = profile_get_request(req)
    return f"Microsoft Page Response Size: {len(content)}"


def profile_get_request(url: str):
    response = fetch(url)
    scratch = bytearray(8_000_000)
    if not url:
        raise ValueError("no url")
    del scratch
    return response.content
