# HttpTriggerAsync/__init__.py -- the guide's asynchronous trigger, without
# the network: ClientSession stands in for aiohttp's.
#
# The profiled coroutine starts past line 100 on purpose, so that its report
# has 3-digit line numbers: the guide's Kusto query splits those rows
# differently from rows with 2-digit line numbers (see docs/kusto.md).
import asyncio
import logging
































































#
#
#
#


class Response:
    def __init__(self, url):
        self.url = url

    async def text(self):
        await asyncio.sleep(0)
        return "<html>" + "Microsoft " * 400_000 + "</html>"

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


class ClientSession:
    def __init__(self):
        self.buffer = bytearray(2_000_000)

    def get(self, url):
        return Response(url)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.buffer = None
        return False


async def main(req):
    logging.info("Python HTTP trigger function processed a request.")
    size = await get_microsoft_page_async(req)
    return f"Microsoft Page Is Loaded: {size}"


async def get_microsoft_page_async(url: str):
    async with ClientSession() as client:
        async with client.get(url) as response:
            text = await response.text()
    # memline leaves a coroutine's return value alone
    return len(text)
