# HttpTriggerSync/__init__.py

import azure.functions as func
import requests
import logging
import os
import threading


def main(req: func.HttpRequest) -> func.HttpResponse:
    logging.info('HttpTriggerSync runs on thread %s.', threading.current_thread().name)
    content = profile_get_request(os.environ.get('TARGET_URL', 'https://microsoft.com'))
    return func.HttpResponse(
        f"Microsoft Page Response Size: {len(content)}",
        status_code=200
    )


def profile_get_request(url: str):
    response = requests.get(url)
    return response.content
