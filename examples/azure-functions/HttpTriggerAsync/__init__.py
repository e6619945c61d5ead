# HttpTriggerAsync/__init__.py

import azure.functions as func
import aiohttp
import logging
import os
import threading


async def main(req: func.HttpRequest) -> func.HttpResponse:
    logging.info('HttpTriggerAsync runs on thread %s.', threading.current_thread().name)
    page = await get_microsoft_page_async(os.environ.get('TARGET_URL', 'https://microsoft.com'))
    return func.HttpResponse(
        f"Microsoft Page Is Loaded: {len(page)} characters",
        status_code=200
    )


async def get_microsoft_page_async(url: str):
    async with aiohttp.ClientSession() as client:
        async with client.get(url) as response:
            page = await response.text()
    return page
